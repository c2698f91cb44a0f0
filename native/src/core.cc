// The engine of an address space: one Unicorn instance in virtual-TLB mode,
// dropped to CPL 3 with DragonFly's selectors, and the 512 GiB host window
// whose slices back every guest mapping.
#include "space.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

namespace vkemu {

// QEMU remembers the last exception in CPUX86State.old_exception and only
// clears it when it delivers an exception through the IDT, which Unicorn never
// does when an interrupt hook handles it. Left alone, a #GP followed by a #DE
// becomes a double fault and then a triple fault. Its offset inside the saved
// context is found once by experiment and reset after every exception.
static long gOldExcOffset = -2;

static int accessOf(uc_mem_type type) {
  switch (type) {
    case UC_MEM_WRITE: return 1;
    case UC_MEM_FETCH: return 2;
    default: return 0;
  }
}

static constexpr uint32_t kTcgBuffer = 32u << 20;  // translated code per engine

// The TLB-fill callback: the engine's own pages (the GDT and the CPL 3 stub
// while segments load), else the current space's mappings.
static bool tlbFill(uc_engine* uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* out, void* user) {
  Core* c = static_cast<Core*>(user);
  uint64_t page = vaddr & ~(kPage - 1);
  if ((page == kGdtVa || page == kGdtVa + kPage) && c->loadingSegments) {
    out->paddr = kGdtPhys + (page - kGdtVa);
    out->perms = UC_PROT_ALL;
    return true;
  }
  if (!c->current || !c->current->fill(vaddr, accessOf(type), out)) return false;
  c->tlbFills++;
  return true;
}

Core::Core() {
  uc_err err = uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
  if (err != UC_ERR_OK) {
    error = std::string("uc_open: ") + uc_strerror(err);
    uc = nullptr;
    return;
  }
  // Must come right after uc_open: the default reserves 1 GiB per instance.
  uc_ctl_set_tcg_buffer_size(uc, kTcgBuffer);
  uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL);
  uc_ctl_exits_enable(uc);
  uc_hook_add(uc, &hookFill_, UC_HOOK_TLB_FILL, (void*)tlbFill, this, 1, 0);
  addRunHooks();
  preemptInit(kTcgBuffer);
  gpr = findGuestRegs(uc);
  pageFlushInit();
  // DragonFly's initial FPU state: x87 control word 0x37F, MXCSR 0x1F80.
  // CR4.OSFXSR | OSXMMEXCPT: without them FXSAVE/FXRSTOR skip MXCSR and the
  // XMM registers, and a vkernel's context switches would lose guest SSE state.
  uint64_t cr4 = 0;
  uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
  cr4 |= (1u << 9) | (1u << 10);
  uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
  uint64_t fpcw = 0x37F, mxcsr = 0x1F80;
  uc_reg_write(uc, UC_X86_REG_FPCW, &fpcw);
  uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
  uint64_t fl = 0x202;
  uc_reg_write(uc, UC_X86_REG_EFLAGS, &fl);
  void* w = mmap(nullptr, kWindow, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (w == MAP_FAILED) {
    error = "vkemu: cannot reserve host memory for an address space";
    return;
  }
  window = static_cast<uint8_t*>(w);
  uc_mem_map_ptr(uc, kWindowPhys, kWindow, UC_PROT_ALL, window);
  uc_mem_map(uc, kGdtPhys, kPage, UC_PROT_ALL);
  uint64_t gdt[8] = {0};
  gdt[4] = 0x00CFF2000000FFFFull;  // 0x20: data, DPL 3
  gdt[5] = 0x00AFFA000000FFFFull;  // 0x28: 64-bit code, DPL 3
  uc_mem_write(uc, kGdtPhys, gdt, sizeof gdt);
  uc_x86_mmr gdtr = {0, kGdtVa, sizeof gdt - 1, 0};
  uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
  enterUserMode();
  if (gOldExcOffset == -2) probeOldException();
  uc_context_alloc(uc, &pristine);
  uc_context_save(uc, pristine);
}

Core::~Core() {
  if (watched) watchdogRemove(this);
  if (pristine) uc_context_free(pristine);
  if (scratch_) uc_context_free(scratch_);
  if (uc) uc_close(uc);
  // Release the 512 GiB window now, not at garbage collection: a process that
  // forks and reaps thousands of children must not run out of address space.
  if (window) munmap(window, kWindow);
}

// Drop the engine from CPL 0 to CPL 3 with an iretq, the only way to load
// the user selectors (and so CPL 3) that Unicorn honours.
void Core::enterUserMode() {
  // The stub lives at the start of the GDT page's neighbour (kGdtVa + 4 KiB).
  uint8_t stub[] = {
      0x6A, 0x23,                    // push 0x23 (ss)
      0x54,                          // push rsp
      0x9C,                          // pushfq
      0x6A, 0x2B,                    // push 0x2b (cs)
      0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0,  // mov rax, <the syscall below>
      0x50,                          // push rax (rip)
      0x48, 0xCF,                    // iretq
      0x0F, 0x05,                    // syscall: the hook ends the run here
  };
  // The run ends in the syscall hook, at CPL 3, on an instruction boundary.
  // Not with an instruction count: switching between counted and uncounted
  // runs flushes all translated code. Not by reaching `until` either: Unicorn
  // stops there by halting the CPU, and the halted state makes the engine's
  // next run end with UC_ERR_EXCEPTION at some point, with a stale RIP.
  const uint64_t target = kGdtVa + kPage + 19;
  memcpy(stub + 8, &target, 8);
  uc_mem_map(uc, kGdtPhys + kPage, kPage, UC_PROT_ALL);
  uc_mem_write(uc, kGdtPhys + kPage, stub, sizeof stub);
  loadingSegments = true;
  uint64_t rsp = kGdtVa + 2 * kPage - 64;
  uint64_t rip = kGdtVa + kPage;
  uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
  uc_err e = uc_emu_start(uc, rip, kUntil, 0, 0);
  stop = RunStop();
  if (switches().traceSegments) {
    uint64_t cs = 0, ss = 0, r = 0;
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    uc_reg_read(uc, UC_X86_REG_SS, &ss);
    uc_reg_read(uc, UC_X86_REG_RIP, &r);
    fprintf(stderr, "enterUserMode: err %d cs %lx ss %lx rip %lx\n", e, cs, ss, r);
  }
  loadingSegments = false;
  uint64_t zero = 0;
  uc_reg_write(uc, UC_X86_REG_RSP, &zero);
  uc_ctl_flush_tlb(uc);
}

void Core::probeOldException() {
  size_t size = uc_context_size(uc);
  uc_context *a = nullptr, *b = nullptr;
  uc_context_alloc(uc, &a);
  uc_context_alloc(uc, &b);
  uc_context_save(uc, a);
  uint8_t hlt = 0xF4;
  uc_mem_write(uc, kGdtPhys + kPage + 64, &hlt, 1);
  loadingSegments = true;
  stop = RunStop();
  // Not counted: a counted run here left the engine's next run ending with
  // UC_ERR_EXCEPTION partway, with a stale RIP (a guest resumed from there
  // had pushed a return address twice).
  uc_emu_start(uc, kGdtVa + kPage + 64, kUntil, 0, 0);
  loadingSegments = false;
  uc_context_save(uc, b);
  gOldExcOffset = -1;
  const uint8_t* pa = reinterpret_cast<const uint8_t*>(a);
  const uint8_t* pb = reinterpret_cast<const uint8_t*>(b);
  int32_t minus1 = -1, gp = 13;
  for (size_t off = 0; off + 4 <= size; off += 4) {
    if (memcmp(pa + off, &minus1, 4) == 0 && memcmp(pb + off, &gp, 4) == 0) {
      gOldExcOffset = static_cast<long>(off);
      break;
    }
  }
  uc_context_restore(uc, a);
  uc_context_free(a);
  uc_context_free(b);
  uc_ctl_flush_tlb(uc);
  if (switches().traceSegments) fprintf(stderr, "old_exception at %ld (vec %d)\n", gOldExcOffset, stop.vector);
  stop = RunStop();
}

void Core::clearOldException() {
  if (gOldExcOffset < 0) return;
  if (!scratch_) uc_context_alloc(uc, &scratch_);
  uc_context_save(uc, scratch_);
  int32_t minus1 = -1;
  memcpy(reinterpret_cast<uint8_t*>(scratch_) + gOldExcOffset, &minus1, 4);
  uc_context_restore(uc, scratch_);
}

void Core::unload() {
  if (loaded) {
    loaded->saveFrom(this);
    loaded = nullptr;
  }
}

void Core::flushTlb(Space* s) {
  tlbFillsAtFlush = tlbFills;
  // clear() walks every bucket: once the set has grown (5.4 µs at 2^16 entries, measured by a
  // review), every flush would pay for it; a set that grew large is replaced instead.
  if (vptFilled.bucket_count() > 1024) std::unordered_set<uint64_t>().swap(vptFilled);
  else vptFilled.clear();
  vptOverflow = false;
  current = s;
  if (uc) uc_ctl_flush_tlb(uc);
}

// Unicorn sizes an engine's TLB (256 entries at first, up to 2^22) only when
// it is flushed: it doubles when more than 70% of it was in use. A program
// whose pages no longer fit but that does not map or unmap anything (the C
// sieve sweeping 2 MiB) would refill it for ever: 443 000 fills where 2 300
// do once it has grown (sieve 231 -> 145 ms, Go compute 58 000 -> 16 000
// fills). So an engine that refilled its TLB four times over since the last
// flush is flushed once more, to let it grow; our guess of its size doubles
// each time, up to 65536 entries (256 MiB of pages).
void Core::growTlb() {
  if (tlbGuess >= (1u << 16) || tlbFills - tlbFillsAtFlush <= 4ull * tlbGuess) return;
  flushTlb(current);
  tlbGuess *= 2;
}

std::shared_ptr<Slice> Core::allocSlice(uint64_t len) {
  len = (len + 0xFFFF) & ~0xFFFFull;  // 64 KiB granules keep the free list short
  uint64_t off = kNoSlice;
  if (bump_ + len <= kWindow) {
    off = bump_;
    bump_ += len;
  } else {
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second >= len) {
        off = it->first;
        uint64_t rest = it->second - len;
        free_.erase(it);
        if (rest) free_[off + len] = rest;
        // Old code may still be cached for these physical pages.
        flushCode = true;
        break;
      }
    }
  }
  if (off == kNoSlice) return nullptr;
  return std::shared_ptr<Slice>(new Slice{this, off, len});
}

void Core::freeSlice(uint64_t off, uint64_t len) {
  if (!window || closing) return;
  // Replace whatever was mapped there (file, memfd, data) with fresh zero pages.
  mmap(window + off, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
  auto next = free_.lower_bound(off);
  if (next != free_.end() && off + len == next->first) {
    len += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == off) {
      prev->second += len;
      return;
    }
  }
  free_[off] = len;
}

std::shared_ptr<Slice> Core::imageSlice(int fd, uint64_t len) {
  struct stat st;
  if (fstat(fd, &st) != 0) return nullptr;
  auto key = std::make_pair(st.st_dev, st.st_ino);
  auto it = images_.find(key);
  if (it != images_.end()) {
    auto sl = it->second.slice.lock();
    if (sl && it->second.len >= len) return sl;
  }
  auto sl = allocSlice(len);
  if (!sl) return nullptr;
  uint8_t* at = window + sl->off;
  void* p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED && errno == EACCES) p = mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) return nullptr;
  images_[key] = Image{sl, len};
  return sl;
}

}  // namespace vkemu
