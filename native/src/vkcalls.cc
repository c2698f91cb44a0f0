// The calls a virtual kernel makes most, served inside the syscall hook with
// no trip to TypeScript (entries of fastcall.cc's table): MADV_INVAL through
// madvise(2), mcontrol(2) and vmspace_mcontrol(2). DragonFly's vkernel pmap
// invalidates every page table entry it changes, and its copyin/copyout take
// the user page out of the pmap each time, so a fork+exec of the real kernel
// makes about 1700 of them (counted with --strace). Anything unusual (another
// advice, bad ranges, an unknown vmspace) goes to TypeScript, which answers as
// before (syscalls/mem.ts, syscalls/vmspace.ts): the same results, errors
// included.
#include "space.h"

namespace vkemu {

namespace {

constexpr int32_t kMadvInval = 10;
// madvise/mcontrol accept ranges up to the end of the KVA window.
constexpr uint64_t kMadviseLimit = kUserTop + 0x10000000000ull;
// TypeScript sees addresses as doubles: exact only below 2^53.
constexpr uint64_t kExact = 1ull << 53;

// madvise(addr, len, behav) and mcontrol(addr, len, behav, value) on the
// calling process's own space.
bool ownInval(Space* s) {
  if (!s->fastVkernel) return false;
  uint64_t addr = callReg(s, kRdi, UC_X86_REG_RDI), len = callReg(s, kRsi, UC_X86_REG_RSI);
  if (static_cast<int32_t>(callReg(s, kRdx, UC_X86_REG_RDX)) != kMadvInval) return false;
  if (addr >= kExact || len >= kExact || addr + len > kMadviseLimit) return false;
  s->inval(addr, len);
  callSucceed(s, 0);
  return true;
}

}  // namespace

bool serveMadvise(Space* s) { return ownInval(s); }
bool serveMcontrol(Space* s) { return ownInval(s); }

// vmspace_mcontrol(id, addr, len, behav, value) on a vmspace registered with setVmspace.
bool serveVmspaceMcontrol(Space* s) {
  if (!s->fastVkernel) return false;
  uint64_t addr = callReg(s, kRsi, UC_X86_REG_RSI), len = callReg(s, kRdx, UC_X86_REG_RDX);
  if (static_cast<int32_t>(callReg(s, kR10, UC_X86_REG_R10)) != kMadvInval || addr >= kExact || len >= kExact)
    return false;
  Space* vm = s->vmspace(callReg(s, kRdi, UC_X86_REG_RDI));
  if (!vm) return false;
  vm->inval(addr, len);
  callSucceed(s, 0);
  return true;
}

}  // namespace vkemu
