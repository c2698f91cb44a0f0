#include "space.h"
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vkemu {

Napi::FunctionReference* Space::constructor = nullptr;

// QEMU remembers the last exception in CPUX86State.old_exception and only
// clears it when it delivers an exception through the IDT, which Unicorn never
// does when an interrupt hook handles it. Left alone, a #GP followed by a #DE
// becomes a double fault and then a triple fault. Its offset inside the saved
// context is found once by experiment and reset after every exception.
static long gOldExcOffset = -2;

// uc_emu_start's `until`, ignored: engines use Unicorn's list of exit
// addresses instead, left empty (runs end by stops, faults and exceptions).
// With `until`, Unicorn looked up and discarded the block at until - 1 after
// every run (a TLB fill and a code invalidation, ~20 ns of each system call).
static constexpr uint64_t kUntil = 0xFFFF800000000001ull;
// A GDT with DragonFly's user selectors (code 0x2B, data 0x23), so that guest
// code runs at CPL 3 and privileged instructions raise #GP.
static constexpr uint64_t kGdtVa = 0xFFFF800000002000ull;
static constexpr uint64_t kGdtPhys = 0x2000;
static constexpr uint32_t kTcgBuffer = 32u << 20;  // translated code per engine

Backing::~Backing() {
  if (fd >= 0) close(fd);
}

Slice::~Slice() { owner->freeSlice(off, len); }

static constexpr uint64_t kNoSlice = ~0ull;

static int accessOf(uc_mem_type type) {
  switch (type) {
    case UC_MEM_WRITE: return 1;
    case UC_MEM_FETCH: return 2;
    default: return 0;
  }
}

static bool tlbFill(uc_engine* uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* out,
                    void* user) {
  return static_cast<Space*>(user)->fill(vaddr, accessOf(type), out);
}

static void onIntr(uc_engine* uc, uint32_t intno, void* user) {
  Space* s = static_cast<Space*>(user);
  s->pendingVector = static_cast<int>(intno);
  uc_emu_stop(uc);
}

static bool onInvalid(uc_engine* uc, void* user) {
  static_cast<Space*>(user)->pendingVector = 6;
  return false;
}

// At the start of every translated block while stops must be exact inside
// blocks (preempt.cc): the watchdog's request to end the slice is honoured
// here, where Unicorn keeps the guest PC exact.
void onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
  Space* s = static_cast<Space*>(user);
  if (s->preempt.load(std::memory_order_relaxed)) {
    s->preempt.store(false, std::memory_order_relaxed);
    uc_emu_stop(uc);
  }
}

static void onSyscall(uc_engine* uc, void* user) {
  Space* s = static_cast<Space*>(user);
  // getpid, clock_gettime: served here, no trip to TypeScript (fastcall.cc).
  if (s->fastGetpid && s->running && serveFast(s)) return;
  s->pendingVector = 0x1000;  // marker: syscall
  uc_emu_stop(uc);
}

Napi::Function Space::Init(Napi::Env env) {
  Napi::Function f = DefineClass(
      env, "Space",
      {
          InstanceMethod("map", &Space::Map),
          InstanceMethod("unmap", &Space::Unmap),
          InstanceMethod("protect", &Space::Protect),
          InstanceMethod("findFree", &Space::FindFree),
          InstanceMethod("isFree", &Space::IsFree),
          InstanceMethod("regions", &Space::Regions),
          InstanceMethod("flushCode", &Space::FlushCode),
          InstanceMethod("poke", &Space::Poke),
          InstanceMethod("copyFrom", &Space::CopyFrom),
          InstanceMethod("setFast", &Space::SetFast),
          InstanceMethod("setMasterPde", &Space::SetMasterPde),
          InstanceMethod("inval", &Space::Inval),
          InstanceMethod("close", &Space::Close),
          InstanceMethod("setBreakpoints", &Space::SetBreakpoints),
          InstanceMethod("setWatchpoints", &Space::SetWatchpoints),
          InstanceMethod("debugWalk", &Space::DebugWalk),
      });
  constructor = new Napi::FunctionReference(Napi::Persistent(f));
  return f;
}

Space::Space(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Space>(info) {
  Napi::Env env = info.Env();
  registerObject(this, info.This().As<Napi::Object>());
  uc_err err = uc_open(UC_ARCH_X86, UC_MODE_64, &uc_);
  if (err != UC_ERR_OK) {
    Napi::Error::New(env, std::string("uc_open: ") + uc_strerror(err)).ThrowAsJavaScriptException();
    return;
  }
  // Must come right after uc_open: the default reserves 1 GiB per instance.
  uc_ctl_set_tcg_buffer_size(uc_, kTcgBuffer);
  uc_ctl_tlb_mode(uc_, UC_TLB_VIRTUAL);
  uc_ctl_exits_enable(uc_);
  uc_hook_add(uc_, &hookFill_, UC_HOOK_TLB_FILL, (void*)tlbFill, this, 1, 0);
  uc_hook_add(uc_, &hookIntr_, UC_HOOK_INTR, (void*)onIntr, this, 1, 0);
  uc_hook_add(uc_, &hookInvalid_, UC_HOOK_INSN_INVALID, (void*)onInvalid, this, 1, 0);
  uc_hook_add(uc_, &hookSyscall_, UC_HOOK_INSN, (void*)onSyscall, this, 1, 0, UC_X86_INS_SYSCALL);
  preemptInit(kTcgBuffer);
  gpr = findGuestRegs(uc_);
  // DragonFly's initial FPU state: x87 control word 0x37F, MXCSR 0x1F80.
  // CR4.OSFXSR | OSXMMEXCPT: without them FXSAVE/FXRSTOR skip MXCSR and the
  // XMM registers, and a vkernel's context switches would lose guest SSE state.
  uint64_t cr4 = 0;
  uc_reg_read(uc_, UC_X86_REG_CR4, &cr4);
  cr4 |= (1u << 9) | (1u << 10);
  uc_reg_write(uc_, UC_X86_REG_CR4, &cr4);
  uint64_t fpcw = 0x37F, mxcsr = 0x1F80;
  uc_reg_write(uc_, UC_X86_REG_FPCW, &fpcw);
  uc_reg_write(uc_, UC_X86_REG_MXCSR, &mxcsr);
  uint64_t fl = 0x202;
  uc_reg_write(uc_, UC_X86_REG_EFLAGS, &fl);
  void* w = mmap(nullptr, kWindow, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (w == MAP_FAILED) {
    Napi::Error::New(env, "vkemu: cannot reserve host memory for an address space").ThrowAsJavaScriptException();
    return;
  }
  window_ = static_cast<uint8_t*>(w);
  uc_mem_map_ptr(uc_, kWindowPhys, kWindow, UC_PROT_ALL, window_);
  uc_mem_map(uc_, kGdtPhys, kPage, UC_PROT_ALL);
  uint64_t gdt[8] = {0};
  gdt[4] = 0x00CFF2000000FFFFull;  // 0x20: data, DPL 3
  gdt[5] = 0x00AFFA000000FFFFull;  // 0x28: 64-bit code, DPL 3
  uc_mem_write(uc_, kGdtPhys, gdt, sizeof gdt);
  uc_x86_mmr gdtr = {0, kGdtVa, sizeof gdt - 1, 0};
  uc_reg_write(uc_, UC_X86_REG_GDTR, &gdtr);
  enterUserMode();
  if (gOldExcOffset == -2) probeOldException();
  uc_context_alloc(uc_, &pristine_);
  uc_context_save(uc_, pristine_);
}

// Drop the engine from CPL 0 to CPL 3 with an iretq, the only way to load
// the user selectors (and so CPL 3) that Unicorn honours.
void Space::enterUserMode() {
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
  uc_mem_map(uc_, kGdtPhys + kPage, kPage, UC_PROT_ALL);
  uc_mem_write(uc_, kGdtPhys + kPage, stub, sizeof stub);
  loadingSegments = true;
  uint64_t rsp = kGdtVa + 2 * kPage - 64;
  uint64_t rip = kGdtVa + kPage;
  uc_reg_write(uc_, UC_X86_REG_RSP, &rsp);
  uc_err e = uc_emu_start(uc_, rip, kUntil, 0, 0);
  pendingVector = -1;
  if (getenv("VKEMU_DEBUG_SEG")) {
    uint64_t cs = 0, ss = 0, r = 0;
    uc_reg_read(uc_, UC_X86_REG_CS, &cs);
    uc_reg_read(uc_, UC_X86_REG_SS, &ss);
    uc_reg_read(uc_, UC_X86_REG_RIP, &r);
    fprintf(stderr, "enterUserMode: err %d cs %lx ss %lx rip %lx vec %d\n", e, cs, ss, r, pendingVector);
  }
  loadingSegments = false;
  uint64_t zero = 0;
  uc_reg_write(uc_, UC_X86_REG_RSP, &zero);
  uc_ctl_flush_tlb(uc_);
}


void Space::probeOldException() {
  size_t size = uc_context_size(uc_);
  uc_context *a = nullptr, *b = nullptr;
  uc_context_alloc(uc_, &a);
  uc_context_alloc(uc_, &b);
  uc_context_save(uc_, a);
  uint8_t hlt = 0xF4;
  uc_mem_write(uc_, kGdtPhys + kPage + 64, &hlt, 1);
  loadingSegments = true;
  pendingVector = -1;
  // Not counted: a counted run here left the engine's next run ending with
  // UC_ERR_EXCEPTION partway, with a stale RIP (a guest resumed from there
  // had pushed a return address twice).
  uc_emu_start(uc_, kGdtVa + kPage + 64, kUntil, 0, 0);
  loadingSegments = false;
  uc_context_save(uc_, b);
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
  uc_context_restore(uc_, a);
  uc_context_free(a);
  uc_context_free(b);
  uc_ctl_flush_tlb(uc_);
  if (getenv("VKEMU_DEBUG_SEG")) fprintf(stderr, "old_exception at %ld (vec %d)\n", gOldExcOffset, pendingVector);
}

void Space::clearOldException() {
  if (gOldExcOffset < 0) return;
  if (!scratch_) uc_context_alloc(uc_, &scratch_);
  uc_context_save(uc_, scratch_);
  int32_t minus1 = -1;
  memcpy(reinterpret_cast<uint8_t*>(scratch_) + gOldExcOffset, &minus1, 4);
  uc_context_restore(uc_, scratch_);
}

Space::~Space() {
  unregisterObject(this);
  if (watched_) watchdogRemove(this);
  vmas_.clear();
  cache_ = nullptr;
  closed_ = true;
  if (pristine_) uc_context_free(pristine_);
  if (scratch_) uc_context_free(scratch_);
  if (uc_) uc_close(uc_);
  if (window_) munmap(window_, kWindow);
}

void Space::unload() {
  if (loaded) {
    loaded->saveFrom(this);
    loaded = nullptr;
  }
}

Vma* Space::find(uint64_t va) {
  if (cache_ && va >= cache_->start && va < cache_->end) return cache_;
  auto it = vmas_.upper_bound(va);
  if (it == vmas_.begin()) return nullptr;
  --it;
  if (va >= it->second.end) return nullptr;
  cache_ = &it->second;
  return cache_;
}

static bool protAllows(int prot, int access) {
  switch (access) {
    case 0: return prot != 0;  // x86: any mapped protection is readable
    case 1: return prot & kProtWrite;
    default: return prot & kProtExec;
  }
}

// The byte offset within the window of the page at pageVa, or -1 (no
// translation) / -2 (past the end of what backs the mapping: SIGBUS).
static int64_t backingOffset(Space* sp, Vma* v, uint64_t pageVa, int access, int* perms) {
  if (!v->slice) return -2;
  if (v->kind == 4) {
    bool w = false, x = false;
    uint8_t* base = sp->window() + v->slice->off;
    int64_t pg = vptWalk(base, v->valid, v->masterPde, pageVa >> 12, access, &w, &x);
    if (pg < 0) return pg == -3 ? -3 : -1;
    *perms = kProtRead | (w ? kProtWrite : 0) | (x ? kProtExec : 0);
    return static_cast<int64_t>(v->slice->off + static_cast<uint64_t>(pg) * kPage);
  }
  *perms = v->prot;
  uint64_t rel = pageVa - v->start;
  if (rel >= v->valid) return -2;
  if (v->backing && v->backing->file) {
    uint64_t fileOff = v->fileOff + rel;
    Backing* b = v->backing.get();
    if (fileOff >= b->fileSize) {
      struct stat st;
      if (fstat(b->fd, &st) == 0) b->fileSize = static_cast<uint64_t>(st.st_size);
      if (fileOff >= b->fileSize) return -2;  // beyond end of file: SIGBUS
    }
  }
  return static_cast<int64_t>(v->slice->off + v->sliceOff + rel);
}

bool Space::fill(uint64_t vaddr, int access, uc_tlb_entry* out) {
  uint64_t page = vaddr & ~(kPage - 1);
  if ((page == kGdtVa || page == kGdtVa + kPage) && loadingSegments) {
    out->paddr = kGdtPhys + (page - kGdtVa);
    out->perms = UC_PROT_ALL;
    return true;
  }
  lastFaultAddr = vaddr;
  lastFaultAccess = access;
  lastFaultPresent = false;
  lastFaultNoncanonical = vaddr >= kVaLimit && vaddr < 0xFFFF800000000000ull;
  faultPending = true;
  Vma* v = find(page);
  if (!v) return false;
  if (v->kind != 4 && !protAllows(v->prot, access)) {
    lastFaultPresent = true;
    return false;
  }
  int perms = 0;
  int64_t off = backingOffset(this, v, page, access, &perms);
  if (off < 0) {
    lastFaultPresent = off == -2 || off == -3;
    return false;
  }
  if (v->kind == 4 && !protAllows(perms, access)) {
    lastFaultPresent = true;
    return false;
  }
  faultPending = false;
  if (v->kind == 4 && !vptOverflow_) {
    if (vptFilled_.size() < kMaxTracked) vptFilled_.insert(page);
    else vptOverflow_ = true;
  }
  out->paddr = kWindowPhys + static_cast<uint64_t>(off);
  out->perms = static_cast<uc_prot>(perms & 7);
  tlbFills_++;
  return true;
}

uint8_t* Space::translate(uint64_t va, int access, uint64_t* avail) {
  uint64_t page = va & ~(kPage - 1);
  Vma* v = find(page);
  if (!v) return nullptr;
  int perms = 0;
  if (v->kind != 4 && !protAllows(v->prot, access)) return nullptr;
  int64_t off = backingOffset(this, v, page, access, &perms);
  if (off < 0) return nullptr;
  if (v->kind == 4) {
    if (!protAllows(perms, access)) return nullptr;
    *avail = kPage - (va - page);
  } else {
    uint64_t end = v->start + v->valid;
    if (v->backing && v->backing->file) {
      uint64_t fileEnd = v->start + (v->backing->fileSize - v->fileOff);
      uint64_t fileEndPage = (fileEnd + kPage - 1) & ~(kPage - 1);
      if (fileEndPage < end) end = fileEndPage;
    }
    if (end > v->end) end = v->end;
    *avail = end - va;
  }
  return window_ + off + (va - page);
}

bool Space::copyIn(uint64_t va, void* dst, uint64_t len) {
  uint8_t* d = static_cast<uint8_t*>(dst);
  while (len > 0) {
    uint64_t avail = 0;
    uint8_t* p = translate(va, 0, &avail);
    if (!p) return false;
    uint64_t n = std::min(avail, len);
    memcpy(d, p, n);
    d += n, va += n, len -= n;
  }
  return true;
}

bool Space::copyOut(uint64_t va, const void* src, uint64_t len) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  // Check the whole range first so that a failing copy writes nothing.
  for (uint64_t a = va & ~(kPage - 1); a < va + len; a += kPage) {
    uint64_t avail;
    if (!translate(a < va ? va : a, 1, &avail)) return false;
  }
  while (len > 0) {
    uint64_t avail = 0;
    uint8_t* p = translate(va, 1, &avail);
    if (!p) return false;
    uint64_t n = std::min(avail, len);
    memcpy(p, s, n);
    s += n, va += n, len -= n;
  }
  return true;
}

std::shared_ptr<Slice> Space::allocSlice(uint64_t len) {
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
        flushCode_ = true;
        break;
      }
    }
  }
  if (off == kNoSlice) return nullptr;
  return std::shared_ptr<Slice>(new Slice{this, off, len});
}

void Space::freeSlice(uint64_t off, uint64_t len) {
  if (closed_ || !window_) return;
  // Replace whatever was mapped there (file, memfd, data) with fresh zero pages.
  mmap(window_ + off, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
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

// Give v host memory for `len` bytes from its start, as its kind wants.
bool Space::attach(Vma& v, uint64_t len) {
  if (len == 0) return true;
  auto sl = allocSlice(len);
  if (!sl) return false;
  uint8_t* at = window_ + sl->off;
  if (v.backing && v.backing->fd >= 0) {
    bool shared = v.kind != 2;
    int fl = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
    uint64_t foff = v.kind == 4 ? 0 : v.fileOff;
    void* p = mmap(at, len, PROT_READ | PROT_WRITE, fl, v.backing->fd, static_cast<off_t>(foff));
    if (p == MAP_FAILED && errno == EACCES) p = mmap(at, len, PROT_READ, fl, v.backing->fd, static_cast<off_t>(foff));
    if (p == MAP_FAILED) return false;
  }
  v.slice = sl;
  v.sliceOff = 0;
  v.valid = len;
  return true;
}

void Space::splitAt(uint64_t addr) {
  Vma* v = find(addr);
  cache_ = nullptr;
  if (!v || v->start == addr) return;
  Vma hi = *v;
  uint64_t d = addr - v->start;
  hi.start = addr;
  if (hi.kind != 4) {
    hi.sliceOff = v->sliceOff + d;
    hi.valid = v->valid > d ? v->valid - d : 0;
    hi.fileOff = v->fileOff + d;
    if (v->valid > d) v->valid = d;
  }
  v->end = addr;
  vmas_.emplace(addr, hi);
}

void Space::removeRange(uint64_t start, uint64_t end) {
  splitAt(start);
  splitAt(end);
  cache_ = nullptr;
  auto it = vmas_.lower_bound(start);
  while (it != vmas_.end() && it->first < end) {
    Vma& v = it->second;
    if (v.kind == 0 && v.slice && v.valid) {
      // Give the memory back now; the slice itself goes when its last piece does.
      madvise(window_ + v.slice->off + v.sliceOff, v.valid, MADV_DONTNEED);
    }
    it = vmas_.erase(it);
  }
}

void Space::invalidate() {
  tlbFillsAtFlush_ = tlbFills_;
  vptFilled_.clear();
  vptOverflow_ = false;
  if (uc_) uc_ctl_flush_tlb(uc_);
}

static uint64_t num(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (d < 0) return static_cast<uint64_t>(static_cast<int64_t>(d));
  return static_cast<uint64_t>(d);
}

// map(start, len, prot, kind, fd, fdOffset) -> 0 or -errno. Replaces whatever
// was there. kind: 0 private anon, 1 shared anon, 2 private file, 3 shared
// file, 4 vpagetable over a shared file (fdOffset ignored: frames are file offsets).
Napi::Value Space::Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t start = num(info[0]), len = num(info[1]);
  int prot = info[2].As<Napi::Number>().Int32Value();
  int kind = info[3].As<Napi::Number>().Int32Value();
  int fd = info[4].As<Napi::Number>().Int32Value();
  uint64_t off = num(info[5]);
  if (closed_) return Napi::Number::New(env, -ENOMEM);
  if ((start | len) & (kPage - 1) || len == 0 || start + len > kVaLimit || start + len < start)
    return Napi::Number::New(env, -EINVAL);
  Vma v{start, start + len, prot, kind, nullptr, 0, 0, nullptr, 0, 0};
  uint64_t backed = len;
  if (kind == 1) {
    int mfd = static_cast<int>(syscall(SYS_memfd_create, "vkemu-shm", 1u /* MFD_CLOEXEC */));
    if (mfd < 0 || ftruncate(mfd, static_cast<off_t>(len)) != 0) {
      if (mfd >= 0) close(mfd);
      return Napi::Number::New(env, -ENOMEM);
    }
    v.backing = std::make_shared<Backing>();
    v.backing->fd = mfd;
  } else if (kind >= 2) {
    if (off & (kPage - 1)) return Napi::Number::New(env, -EINVAL);
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dfd < 0) return Napi::Number::New(env, -EBADF);
    struct stat st;
    fstat(dfd, &st);
    v.backing = std::make_shared<Backing>();
    v.backing->fd = dfd;
    v.backing->file = S_ISREG(st.st_mode);
    v.backing->fileSize = static_cast<uint64_t>(st.st_size);
    v.fileOff = kind == 4 ? 0 : off;
    if (v.backing->file) {
      // Only the part of the file that exists gets host memory; the rest faults.
      uint64_t from = kind == 4 ? 0 : off;
      uint64_t have = v.backing->fileSize > from ? ((v.backing->fileSize - from + kPage - 1) & ~(kPage - 1)) : 0;
      if (have < backed) backed = have;
    }
  } else if (prot == 0) {
    backed = 0;  // a reservation: memory comes when it is made accessible
  }
  removeRange(start, start + len);
  if (!attach(v, backed)) return Napi::Number::New(env, -ENOMEM);
  vmas_.emplace(start, v);
  cache_ = nullptr;
  invalidate();
  return Napi::Number::New(env, 0);
}

Napi::Value Space::Unmap(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), len = num(info[1]);
  removeRange(start, start + len);
  invalidate();
  return info.Env().Undefined();
}

// protect(start, len, prot) -> 0 or -ENOMEM when part of the range is unmapped.
Napi::Value Space::Protect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t start = num(info[0]), len = num(info[1]);
  int prot = info[2].As<Napi::Number>().Int32Value();
  uint64_t end = start + len;
  for (uint64_t a = start; a < end;) {
    Vma* v = find(a);
    if (!v) return Napi::Number::New(env, -ENOMEM);
    a = v->end;
  }
  splitAt(start);
  splitAt(end);
  for (auto it = vmas_.lower_bound(start); it != vmas_.end() && it->first < end; ++it) {
    Vma& v = it->second;
    v.prot = prot;
    if (prot && !v.slice && v.kind == 0 && !attach(v, v.end - v.start)) {
      cache_ = nullptr;
      return Napi::Number::New(env, -ENOMEM);
    }
  }
  cache_ = nullptr;
  invalidate();
  return Napi::Number::New(env, 0);
}

// findFree(hint, len, align, limit) -> lowest free address >= hint, or -1.
Napi::Value Space::FindFree(const Napi::CallbackInfo& info) {
  uint64_t hint = num(info[0]), len = num(info[1]), align = num(info[2]);
  uint64_t limit = info.Length() > 3 ? num(info[3]) : kUserTop;
  if (align < kPage) align = kPage;
  uint64_t a = (hint + align - 1) & ~(align - 1);
  auto it = vmas_.upper_bound(a);
  if (it != vmas_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > a) a = (prev->second.end + align - 1) & ~(align - 1);
  }
  for (; a + len <= limit && a + len > a;) {
    auto next = vmas_.lower_bound(a);
    if (next == vmas_.end() || next->first >= a + len) return Napi::Number::New(info.Env(), static_cast<double>(a));
    a = (next->second.end + align - 1) & ~(align - 1);
  }
  return Napi::Number::New(info.Env(), -1);
}

Napi::Value Space::IsFree(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), len = num(info[1]);
  auto it = vmas_.lower_bound(start);
  if (it != vmas_.end() && it->first < start + len) return Napi::Boolean::New(info.Env(), false);
  if (it != vmas_.begin() && std::prev(it)->second.end > start) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), true);
}

// read(addr, len) -> Buffer, or null when any byte is inaccessible (EFAULT).
// readInto(va, target: Uint8Array) -> true, or false when any byte is
// inaccessible. The caller's buffer (often from Node's pool) avoids a native
// allocation per copy-in, which cost more than the copy itself.
Napi::Value Space::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  return Napi::Boolean::New(info.Env(), copyIn(num(info[0]), a.Data(), a.ByteLength()));
}

// write(addr, bytes[, off, len]) -> true, or false (EFAULT; nothing written).
Napi::Value Space::Write(const Napi::CallbackInfo& info) {
  uint64_t va = num(info[0]);
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  uint64_t off = info.Length() > 2 ? num(info[2]) : 0;
  uint64_t len = info.Length() > 3 ? num(info[3]) : a.ByteLength() - off;
  if (off + len > a.ByteLength()) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), copyOut(va, a.Data() + off, len));
}

// readCString(addr, max) -> Buffer without the NUL; null on EFAULT; false if
// no NUL within max bytes.
Napi::Value Space::ReadCString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t va = num(info[0]), max = num(info[1]);
  std::vector<uint8_t> out;
  while (out.size() < max) {
    uint64_t avail = 0;
    uint8_t* p = translate(va, 0, &avail);
    if (!p) return env.Null();
    uint64_t n = std::min<uint64_t>(avail, max - out.size());
    void* z = memchr(p, 0, n);
    if (z) {
      out.insert(out.end(), p, static_cast<uint8_t*>(z));
      return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
    }
    out.insert(out.end(), p, p + n);
    va += n;
  }
  return Napi::Boolean::New(env, false);
}

// check(addr, len, access) -> whether the whole range is accessible.
Napi::Value Space::Check(const Napi::CallbackInfo& info) {
  uint64_t va = num(info[0]), len = num(info[1]);
  int access = info[2].As<Napi::Number>().Int32Value();
  uint64_t end = va + len;
  while (va < end) {
    uint64_t avail;
    if (!translate(va, access, &avail)) return Napi::Boolean::New(info.Env(), false);
    va += std::min(avail, end - va);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// fdIo(write, fd, addr, len, pos) -> bytes or -errno (Linux): I/O straight
// between a host descriptor and guest memory, without a copy through
// JavaScript. pos -1 uses the descriptor's file position. The whole guest
// range is checked first: a bad address gives -EFAULT and no I/O happens.
Napi::Value Space::FdIo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool wr = info[0].As<Napi::Boolean>().Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  uint64_t va = num(info[2]), len = num(info[3]);
  int64_t pos = info[4].As<Napi::Number>().Int64Value();
  std::vector<iovec> iov;
  for (uint64_t a = va, left = len; left > 0;) {
    uint64_t avail = 0;
    uint8_t* p = translate(a, wr ? 0 : 1, &avail);
    if (!p) return Napi::Number::New(env, -EFAULT);
    uint64_t n = std::min(avail, left);
    if (!iov.empty() && static_cast<uint8_t*>(iov.back().iov_base) + iov.back().iov_len == p) iov.back().iov_len += n;
    else iov.push_back({p, n});
    a += n;
    left -= n;
    if (iov.size() >= 1024) break;  // IOV_MAX: a short transfer, as the host would do
  }
  ssize_t r;
  if (wr) r = pos < 0 ? writev(fd, iov.data(), static_cast<int>(iov.size())) : pwritev(fd, iov.data(), static_cast<int>(iov.size()), pos);
  else r = pos < 0 ? readv(fd, iov.data(), static_cast<int>(iov.size())) : preadv(fd, iov.data(), static_cast<int>(iov.size()), pos);
  return Napi::Number::New(env, r >= 0 ? static_cast<double>(r) : -errno);
}

Napi::Value Space::Regions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& kv : vmas_) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("start", Napi::Number::New(env, static_cast<double>(kv.second.start)));
    o.Set("end", Napi::Number::New(env, static_cast<double>(kv.second.end)));
    o.Set("prot", Napi::Number::New(env, kv.second.prot));
    o.Set("kind", Napi::Number::New(env, kv.second.kind));
    out.Set(i++, o);
  }
  return out;
}

// The exact address of a data fault whose page the fill callback saw: from
// the faulting instruction (decode.cc), kept only when it lies in that page
// (or is an access that crosses into it: then the page's first byte, as CR2).
uint64_t Space::exactDataFault(Thread* t, uint64_t faultVa) {
  uint64_t page = faultVa & ~(kPage - 1);
  uint8_t code[15];
  size_t n = 0;
  for (uint64_t a = t->regs[kRip]; n < sizeof code;) {
    uint64_t avail = 0;
    uint8_t* p = translate(a, 0, &avail);
    if (!p) break;
    size_t k = static_cast<size_t>(std::min<uint64_t>(avail, sizeof code - n));
    memcpy(code + n, p, k);
    n += k;
    a += k;
  }
  uint64_t ea;
  if (!faultAddress(code, n, t->regs, lastFaultAccess, &ea)) return faultVa;
  if ((ea & ~(kPage - 1)) == page) return ea;
  if (ea < page && page - ea < 64) return page;
  return faultVa;
}

// run(thread, count) -> ExitReason; details land in the thread's slots.
// JavaScript calls it as run(spaceId, threadId, count) (runcall.cc).
int Space::run(Thread* t, uint64_t count) {
  if (closed_) {
    t->regs[kExitReason] = kExitEngineError;
    t->regs[kExitError] = UC_ERR_HANDLE;
    return kExitEngineError;
  }
  if (flushCode_) {
    uc_ctl_flush_tb(uc_);
    flushCode_ = false;
  }
  setExact(count > 0 || dbg.hooked());
  growTlb();
  t->loadInto(this);
  t->pushDirty();
  pendingVector = -1;
  faultPending = false;
  running = t;
  t->regs[kFastCalls] = 0;
  uint64_t rip = t->regs[kRip];
  dbg.first = true;
  dbg.startRip = rip;
  dbg.skip = t->regs[kDebugSkip];
  t->regs[kDebugSkip] = 0;
  dbg.watchHit = dbg.bpHit = false;
  // count 0: the watchdog ends the slice after sliceTicks milliseconds.
  if (count == 0 && !watched_) {
    watchdogAdd(this);
    watched_ = true;
  }
  runGen.fetch_add(1, std::memory_order_acq_rel);
  uc_err err = uc_emu_start(uc_, rip, kUntil, 0, count);
  runEnded();
  preempt.store(false, std::memory_order_relaxed);
  running = nullptr;
  t->pullRegs();
  int reason;
  if (pendingVector == 0x1000) {
    reason = kExitSyscall;
  } else if (pendingVector == 6 || err == UC_ERR_INSN_INVALID) {
    reason = kExitException;
    t->regs[kExitVector] = 6;
  } else if (faultPending && (pendingVector == 14 || pendingVector < 0) && err != UC_ERR_OK) {
    reason = kExitFault;
    if (lastFaultNoncanonical) {
      reason = kExitException;
      t->regs[kExitVector] = 13;
    }
    // The fill callback sees only the page (CR2 is not set in this mode, and
    // memory hooks do not fire before a failed fill): data faults are
    // reported at page granularity; fetch faults are exact when rip is there.
    uint64_t r = t->regs[kRip];
    if (lastFaultAccess == 2 && (r & ~(kPage - 1)) == (lastFaultAddr & ~(kPage - 1))) lastFaultAddr = r;
    else if (lastFaultAccess != 2) lastFaultAddr = exactDataFault(t, lastFaultAddr);
    t->regs[kExitAddr] = lastFaultAddr;
    t->regs[kExitAccess] = static_cast<uint64_t>(lastFaultAccess);
    t->regs[kExitPresent] = lastFaultPresent ? 1 : 0;
  } else if (pendingVector >= 0) {
    reason = kExitException;
    t->regs[kExitVector] = static_cast<uint64_t>(pendingVector);
  } else if (err == UC_ERR_OK) {
    reason = kExitBudget;
  } else if (err == UC_ERR_EXCEPTION) {
    // Guest code runs at CPL 3, so hlt and friends arrive as #GP through the
    // interrupt hook. What is left is a stop from the watchdog racing with
    // the end of a block: nothing happened to the guest.
    reason = kExitBudget;
    if (getenv("VKEMU_DEBUG_STOP")) fprintf(stderr, "EXCEPTION exit rip %lx (start %lx) fault %d vec %d\n", (unsigned long)t->regs[kRip], (unsigned long)rip, faultPending, pendingVector);
  } else {
    reason = kExitEngineError;
    t->regs[kExitError] = static_cast<uint64_t>(err);
  }
  if (reason == kExitException || reason == kExitFault || reason == kExitHalt) clearOldException();
  // VKEMU_DEBUG_RUN=1: one line per run, to find where a guest's state went wrong.
  static const bool traceRuns = getenv("VKEMU_DEBUG_RUN") != nullptr;
  if (traceRuns)
    fprintf(stderr, "run %lx -> %lx rsp %lx reason %d err %d count %lu vector %d\n", (unsigned long)rip,
            (unsigned long)t->regs[kRip], (unsigned long)t->regs[kRsp], reason, err, (unsigned long)count, pendingVector);
  // A watchpoint hit by the instruction a debugger single-steps with the trap
  // flag: the #DB after it must not hide the hit.
  bool stepTrap = reason == kExitException && t->regs[kExitVector] == 1;
  if ((reason == kExitBudget || stepTrap) && (dbg.bpHit || dbg.watchHit)) {
    // A debugger hook stopped the run: vector 3 for a breakpoint (rip is at
    // it), 1 for a watchpoint (rip is past the accessing instruction).
    reason = kExitStop;
    t->regs[kExitVector] = dbg.watchHit ? 1 : 3;
    t->regs[kExitAddr] = dbg.hitAddr;
    t->regs[kExitAccess] = static_cast<uint64_t>(dbg.hitAccess);
  }
  t->regs[kExitReason] = static_cast<uint64_t>(reason);
  return reason;
}

// Unicorn sizes an engine's TLB (256 entries at first, up to 2^22) only when
// it is flushed: it doubles when more than 70% of it was in use. A program
// whose pages no longer fit but that does not map or unmap anything (the C
// sieve sweeping 2 MiB) would refill it for ever: 443 000 fills where 2 300
// do once it has grown (sieve 231 -> 145 ms, Go compute 58 000 -> 16 000
// fills). So an engine that refilled its TLB four times over since the last
// flush is flushed once more, to let it grow; our guess of its size doubles
// each time, up to 65536 entries (256 MiB of pages).
void Space::growTlb() {
  if (tlbGuess_ >= (1u << 16) || tlbFills_ - tlbFillsAtFlush_ <= 4ull * tlbGuess_) return;
  invalidate();
  tlbGuess_ *= 2;
}

Napi::Value Space::FlushCode(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), end = num(info[1]);
  if (!uc_) return info.Env().Undefined();
  // Before the first run uc_ctl_remove_cache can derail that run (debug.cc).
  if (runGen.load(std::memory_order_relaxed) == 0) uc_ctl_flush_tb(uc_);
  else uc_ctl_remove_cache(uc_, start, end);
  return info.Env().Undefined();
}

// poke(va, data) -> bool: a debugger's write into private memory whatever its
// guest protection (gdb's int3 in read-only text), without changing the
// protection: a protect() pair would split the mapping and flush the whole
// TLB twice per breakpoint. Private mappings only, whose host pages are
// always writable (anonymous, or MAP_PRIVATE files); the caller drops
// translated code afterwards.
Napi::Value Space::Poke(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t va = num(info[0]);
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  const uint8_t* src = a.Data();
  uint64_t len = a.ByteLength();
  // Check the whole range first: all or nothing.
  for (uint64_t at = va & ~(kPage - 1); at < va + len; at += kPage) {
    Vma* v = find(at);
    if (!v || (v->kind != 0 && v->kind != 2) || v->prot == 0) return Napi::Boolean::New(env, false);
  }
  while (len > 0) {
    uint64_t page = va & ~(kPage - 1);
    Vma* v = find(page);
    int perms = 0;
    int64_t off = backingOffset(this, v, page, 0, &perms);
    if (off < 0) return Napi::Boolean::New(env, false);
    uint64_t n = std::min<uint64_t>(kPage - (va - page), len);
    memcpy(window_ + off + (va - page), src, n);
    va += n;
    src += n;
    len -= n;
  }
  return Napi::Boolean::New(env, true);
}

// copyFrom(parent): make this space a fork-time copy of parent: private
// memory is copied, shared memory is shared.
Napi::Value Space::CopyFrom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Space* p = Space::Unwrap(info[0].As<Napi::Object>());
  if (closed_ || p->closed_) return Napi::Number::New(env, -ENOMEM);
  for (auto& kv : p->vmas_) {
    const Vma& pv = kv.second;
    Vma v = pv;
    v.slice = nullptr;
    v.sliceOff = 0;
    bool shared = pv.kind == 1 || pv.kind == 3 || pv.kind == 4;
    uint64_t len = pv.valid;
    if (!shared) {
      v.backing = nullptr;
      if (v.kind == 2) v.kind = 0;
    }
    if (len && !attach(v, len)) return Napi::Number::New(env, -ENOMEM);
    if (!shared && len) {
      uint8_t* src = p->window_ + pv.slice->off + pv.sliceOff;
      uint8_t* dst = window_ + v.slice->off;
      size_t pages = len / kPage;
      std::vector<unsigned char> vec(pages);
      uintptr_t a = reinterpret_cast<uintptr_t>(src);
      if (!(a & (kPage - 1)) && mincore(src, len, vec.data()) == 0) {
        // Runs of resident pages, the child's side faulted in with one call per run:
        // a page fault each cost most of a fork (this VM's faults are dear; 4 MiB: 1024 faults).
        for (size_t i = 0; i < pages;) {
          if (!(vec[i] & 1)) { i++; continue; }
          size_t j = i;
          while (j < pages && (vec[j] & 1)) j++;
          madvise(dst + i * kPage, (j - i) * kPage, MADV_POPULATE_WRITE);
          memcpy(dst + i * kPage, src + i * kPage, (j - i) * kPage);
          i = j;
        }
      } else {
        memcpy(dst, src, len);
      }
    }
    vmas_.emplace(v.start, v);
  }
  cache_ = nullptr;
  invalidate();
  return Napi::Number::New(env, 0);
}

// setFast(pid, enableGetpid[, clockOffsetNs]): with the offset, clock_gettime
// too (the guest's monotonic time is CLOCK_MONOTONIC minus it).
Napi::Value Space::SetFast(const Napi::CallbackInfo& info) {
  pid = info[0].As<Napi::Number>().Int64Value();
  fastGetpid = info[1].As<Napi::Boolean>().Value();
  fastClock = info.Length() > 2 && info[2].IsBigInt();
  if (fastClock) {
    bool lossless;
    clockOffsetNs = info[2].As<Napi::BigInt>().Int64Value(&lossless);
  }
  return info.Env().Undefined();
}

// setMasterPde(start, len, value) -> 0 or -EINVAL if not a vpagetable mapping.
Napi::Value Space::SetMasterPde(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), len = num(info[1]), value = num(info[2]);
  uint64_t end = start + len;
  bool any = false;
  for (uint64_t a = start; a < end;) {
    Vma* v = find(a);
    if (!v) { a += kPage; continue; }
    if (v->kind != 4) return Napi::Number::New(info.Env(), -EINVAL);
    v->masterPde = value;
    any = true;
    a = v->end;
  }
  invalidate();
  return Napi::Number::New(info.Env(), any ? 0 : -EINVAL);
}

// inval([start, len]) -> whether the TLB was flushed. MADV_INVAL: Unicorn has
// only a whole-TLB flush, which costs tens of microseconds once the TLB is
// big; a range whose pages were not filled since the last flush is skipped
// (the common case of a vkernel invalidating after entering a new mapping).
Napi::Value Space::Inval(const Napi::CallbackInfo& info) {
  bool flush = true;
  if (info.Length() >= 2 && !vptOverflow_) {
    uint64_t start = num(info[0]) & ~(kPage - 1);
    uint64_t len = num(info[1]);
    uint64_t end = len > ~0ull - start ? ~0ull : (start + len + kPage - 1) & ~(kPage - 1);
    flush = false;
    if ((end - start) / kPage < vptFilled_.size()) {
      for (uint64_t a = start; a < end && !flush; a += kPage) flush = vptFilled_.count(a) != 0;
    } else {
      for (uint64_t a : vptFilled_) if (a >= start && a < end) { flush = true; break; }
    }
  }
  if (flush) invalidate();
  return Napi::Boolean::New(info.Env(), flush);
}

Napi::Value Space::Close(const Napi::CallbackInfo& info) {
  if (watched_) {
    watchdogRemove(this);
    watched_ = false;
  }
  unload();
  vmas_.clear();
  cache_ = nullptr;
  // Release the engine and the 512 GiB window now, not at garbage collection:
  // a process that forks and reaps thousands of children must not run out of
  // address space waiting for the collector.
  closed_ = true;
  if (pristine_) uc_context_free(pristine_);
  if (scratch_) uc_context_free(scratch_);
  pristine_ = scratch_ = nullptr;
  if (uc_) uc_close(uc_);
  uc_ = nullptr;
  if (window_) munmap(window_, kWindow);
  window_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace vkemu
