// Dropping one page from an engine's TLB instead of all of it.
//
// Unicorn 2.1's API flushes the whole TLB (uc_ctl_flush_tlb), and with it
// the whole jump cache (translated blocks looked up by virtual PC). A virtual
// kernel invalidates one page at a time, and ~60 times per fork+exec of
// /bin/echo in a real DragonFly kernel the page was in the TLB: each whole
// flush made the guest refill every page it was using. With single pages:
// 2 whole flushes and half the fills (the time did not move beyond the
// noise: docs/ARCHITECTURE.md, MADV_INVAL).
//
// The library exports QEMU's own tlb_flush_page (as tlb_flush_page_x86_64),
// what a guest's INVLPG does: it drops the page from every MMU index's TLB
// and victim TLB, and the jump-cache entries of blocks that may lie on it
// (those starting on it or on the page before). It wants the CPUState, which
// regs.cc finds (uc_struct.cpu, checked against its env_ptr). The symbol is
// weak, so a Unicorn without it leaves the whole flush in place; and a probe
// engine shows once per process that it works: a data page and a code page
// are given another physical page behind Unicorn's back, their old contents
// are still seen (the TLB and the jump cache hold them), a flush of each
// page makes the new ones seen, and flushing the data page leaves the code
// page's translation alone (no fill for it).
#include <unicorn/unicorn.h>

#include <cstdint>

#include "space.h"

extern "C" void tlb_flush_page_x86_64(void* cpu, uint64_t addr) __attribute__((weak));

namespace vkemu {

namespace {

int gWorks = -1;  // -1: not probed yet

// The probe engine's memory: a code page and a data page at fixed virtual
// addresses, each shown from one of two physical pages.
constexpr uint64_t kCodeVa = 0x400000, kDataVa = 0x500000, kPhys = 0x10000;
constexpr uint64_t kCode1 = kPhys, kCode2 = kPhys + 0x1000, kData1 = kPhys + 0x2000, kData2 = kPhys + 0x3000;

struct Probe {
  uint64_t code = kCode1, data = kData1;
  int fills = 0;
};

bool probeFill(uc_engine*, uint64_t vaddr, uc_mem_type, uc_tlb_entry* out, void* user) {
  Probe* p = static_cast<Probe*>(user);
  uint64_t page = vaddr & ~(kPage - 1);
  if (page != kCodeVa && page != kDataVa) return false;
  p->fills++;
  out->paddr = page == kCodeVa ? p->code : p->data;
  out->perms = UC_PROT_ALL;
  return true;
}

void probeSyscall(uc_engine* uc, void*) { uc_emu_stop(uc); }

// eax after running the code page up to its `syscall`, or -1. Runs end in
// the syscall hook, not at an `until` address: Unicorn drops the code
// translated there after each run, and the jump cache would not be tested.
int64_t probeRun(uc_engine* uc) {
  uint64_t rax = 0;
  uc_reg_write(uc, UC_X86_REG_RAX, &rax);
  if (uc_emu_start(uc, kCodeVa, 0, 0, 0) != UC_ERR_OK) return -1;
  uc_reg_read(uc, UC_X86_REG_RAX, &rax);
  return static_cast<int64_t>(rax & 0xFFFFFFFF);
}

bool probe() {
  if (!tlb_flush_page_x86_64) return false;
  uc_engine* uc = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) return false;
  uc_ctl_set_tcg_buffer_size(uc, 1u << 20);
  uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL);
  Probe p;
  uc_ctl_exits_enable(uc);
  uc_hook h = 0, hs = 0;
  const uint8_t load[] = {0x8B, 0x04, 0x25, 0x00, 0x00, 0x50, 0x00, 0x0F, 0x05};  // mov eax, [0x500000]; syscall
  const uint8_t imm[] = {0xB8, 0x33, 0x33, 0x33, 0x33, 0x0F, 0x05};              // mov eax, 0x33333333; syscall
  const uint32_t one = 0x11111111, two = 0x22222222;
  bool ok = uc_mem_map(uc, kPhys, 4 * kPage, UC_PROT_ALL) == UC_ERR_OK &&
            uc_mem_write(uc, kCode1, load, sizeof load) == UC_ERR_OK &&
            uc_mem_write(uc, kCode2, imm, sizeof imm) == UC_ERR_OK &&
            uc_mem_write(uc, kData1, &one, 4) == UC_ERR_OK && uc_mem_write(uc, kData2, &two, 4) == UC_ERR_OK &&
            uc_hook_add(uc, &h, UC_HOOK_TLB_FILL, (void*)probeFill, &p, 1, 0) == UC_ERR_OK &&
            uc_hook_add(uc, &hs, UC_HOOK_INSN, (void*)probeSyscall, nullptr, 1, 0, UC_X86_INS_SYSCALL) == UC_ERR_OK;
  void* cpu = ok ? findCpuState(uc) : nullptr;
  ok = cpu && probeRun(uc) == one;
  // The data page moves: still the old one until its page is flushed, and
  // then the new one, with no fill for the code page.
  p.data = kData2;
  ok = ok && probeRun(uc) == one;
  if (ok) tlb_flush_page_x86_64(cpu, kDataVa);
  p.fills = 0;
  ok = ok && probeRun(uc) == two && p.fills == 1;
  // The code page moves: its translated block is found by virtual PC until
  // its page is flushed.
  p.code = kCode2;
  ok = ok && probeRun(uc) == two;
  if (ok) tlb_flush_page_x86_64(cpu, kCodeVa);
  ok = ok && probeRun(uc) == 0x33333333;
  uc_close(uc);
  return ok;
}

}  // namespace

void Core::pageFlushInit() {
  if (gWorks < 0) gWorks = unicorn21() && probe() ? 1 : 0;
  cpuState_ = gWorks ? findCpuState(uc) : nullptr;
}

bool Core::flushTlbPage(uint64_t page) {
  if (!cpuState_) return false;
  tlb_flush_page_x86_64(cpuState_, page);
  vptFilled.erase(page);
  return true;
}

}  // namespace vkemu
