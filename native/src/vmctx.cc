// Entering and leaving a guest context of a virtual kernel (VMSPACE_CTL_RUN,
// vkernel-host-abi.md §2.4-2.5): the trapframe copies, the register swap and
// the move between engines. They are the per-exit cost of every guest system
// call and page fault of a virtual kernel: in TypeScript they cost about 8 µs
// of a 14 µs round trip. The context's state lives in the thread's register
// file (kCtx* slots), which TypeScript reads as GuestThread.vm, so that a run
// may also enter and leave contexts by itself (switchContext) without a trip
// to TypeScript for each guest system call and page fault.
#include <cstring>

#include "space.h"

namespace vkemu {

namespace {

constexpr int kTrapframeSlots = 25;
constexpr size_t kTrapframeSize = kTrapframeSlots * 8;
constexpr size_t kVextframeSize = 32;
// Trapframe slot -> register slot; -1 for the non-register fields.
constexpr int kTfReg[kTrapframeSlots] = {
    kRdi, kRsi, kRdx, kRcx, kR8, kR9, kRax, kRbx, kRbp, kR10, kR11, kR12, kR13, kR14, kR15,
    -1 /* xflags */, -1 /* trapno */, -1 /* addr */, -1 /* flags */, -1 /* err */,
    kRip, -1 /* cs */, kRflags, kRsp, -1 /* ss */};
constexpr int kTfTrapno = 16, kTfAddr = 17, kTfErr = 19, kTfCs = 21, kTfSs = 24, kTfRcx = 3;
constexpr uint64_t kPslKeep = 0x10000 | 0x244dd5 | 0x20000;  // RF | PSL_USERCHANGE | bit 17
constexpr uint64_t kPslI = 0x200;
constexpr uint64_t kAllRegs = (1ull << kNumRegs) - 1;
constexpr uint64_t kVmspaceCtl = 488, kCtlRun = 1;
constexpr uint64_t kTFastSyscall = 0x81, kTPageflt = 12;
// TypeScript sees addresses as doubles: exact only below 2^53.
constexpr uint64_t kExact = 1ull << 53;

uint64_t num(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
}

// A system call's result the DragonFly way: the value, or errno with carry set.
void finishCall(Thread* t, int r) {
  uint64_t* regs = t->regs;
  regs[kRax] = static_cast<uint64_t>(r < 0 ? -r : r);
  regs[kRflags] = r < 0 ? regs[kRflags] | 1 : regs[kRflags] & ~1ull;
  regs[kDirty] |= (1ull << kRax) | (1ull << kRflags);
}

// The hardware page-fault error code of the run's fault exit: P, W, U, I.
uint64_t pfErr(const uint64_t* r) {
  uint64_t access = r[kExitAccess];
  return (r[kExitPresent] ? 1 : 0) | (access == 1 ? 2 : 0) | 4 | (access == 2 ? 0x10 : 0);
}

}  // namespace

// Reads the trapframe and vextframe from the thread's (vkernel's) space,
// keeps the vkernel's registers in the kCtxSaved slots, loads the guest's and
// moves the thread into the vmspace. The FPU state is left alone: the guest
// starts with the caller's (§2.4).
int enterContext(Thread* t, Space* vm, const Napi::Object& vmObj, uint64_t id, uint64_t tframe, uint64_t vframe) {
  uint64_t tf[kTrapframeSlots], vf[kVextframeSize / 8];
  if (!t->space->copyIn(tframe, tf, kTrapframeSize) || !t->space->copyIn(vframe, vf, kVextframeSize)) return -14;
  uint64_t* r = t->regs;
  memcpy(r + kCtxSaved, r, kNumRegs * 8);
  for (int i = 0; i < kTrapframeSlots; i++)
    if (kTfReg[i] >= 0) r[kTfReg[i]] = tf[i];
  r[kRflags] = (r[kRflags] & kPslKeep) | 0x2 | kPslI;
  r[kFsBase] = vf[0];
  r[kGsBase] = vf[2];
  r[kDirty] |= kAllRegs;
  r[kCtxActive] = 1;
  r[kCtxId] = id;
  r[kCtxTframe] = tframe;
  t->home = t->space;
  t->homeRef = Napi::Persistent(t->spaceRef.Value());
  t->moveTo(vm, vmObj);
  return 0;
}

// Writes the guest's registers as the exit trapframe (for a system call the
// guest's 4th argument, r10, travels in tf_rcx), moves the thread back and
// gives it the vkernel's registers again: 0, or -EFAULT when the trapframe
// cannot be written (vmspace_ctl's result either way).
int leaveContext(Thread* t, uint64_t trapno, uint64_t err, uint64_t addr, bool syscall) {
  uint64_t* r = t->regs;
  if (!r[kCtxActive] || !t->home) return -22;
  uint64_t tf[kTrapframeSlots] = {0};
  for (int i = 0; i < kTrapframeSlots; i++)
    if (kTfReg[i] >= 0) tf[i] = r[kTfReg[i]];
  tf[kTfTrapno] = trapno;
  tf[kTfAddr] = addr;
  tf[kTfErr] = err;
  tf[kTfCs] = 0x2b;
  tf[kTfSs] = 0x23;
  if (syscall) tf[kTfRcx] = r[kR10];
  Space* home = t->home;
  t->moveTo(home, t->homeRef.Value());
  t->home = nullptr;
  t->homeRef.Reset();
  memcpy(r, r + kCtxSaved, kNumRegs * 8);
  r[kDirty] |= kAllRegs;
  r[kCtxActive] = 0;
  return home->copyOut(r[kCtxTframe], tf, kTrapframeSize) ? 0 : -14;
}

// The common exits, handled as TypeScript would (Machine.vmspaceExit and the
// vmspace_ctl call, syscalls/vmspace.ts) when the run allows it (kCtxFast):
// a guest's system call or page fault leaves its context, a vkernel's
// vmspace_ctl(RUN) of a vmspace it registered enters one. Anything else, and
// any doubt, is TypeScript's.
Space* switchContext(Thread* t, Space* s, int reason) {
  uint64_t* r = t->regs;
  if (r[kCtxActive]) {
    Space* home = t->home;
    if (reason == kExitSyscall) finishCall(t, leaveContext(t, kTFastSyscall, 2, 0, true));
    else if (reason == kExitFault) finishCall(t, leaveContext(t, kTPageflt, pfErr(r), r[kExitAddr], false));
    else return nullptr;
    return home;
  }
  if (reason != kExitSyscall || static_cast<uint32_t>(r[kRax]) != kVmspaceCtl) return nullptr;
  if (static_cast<int32_t>(r[kRsi]) != static_cast<int32_t>(kCtlRun) || r[kRdx] >= kExact || r[kR10] >= kExact)
    return nullptr;
  Napi::Object obj;
  Space* vm = s->vmspace(r[kRdi], &obj);
  if (!vm || enterContext(t, vm, obj, r[kRdi], r[kRdx], r[kR10]) != 0) return nullptr;
  return vm;
}

// vmEnter(thread, vmSpace, id, tframe, vframe) -> 0 or -EFAULT.
static Napi::Value VmEnter(const Napi::CallbackInfo& info) {
  Thread* t = Thread::Unwrap(info[0].As<Napi::Object>());
  Napi::Object vm = info[1].As<Napi::Object>();
  int r = enterContext(t, Space::Unwrap(vm), vm, num(info[2]), num(info[3]), num(info[4]));
  return Napi::Number::New(info.Env(), r);
}

// vmLeave(thread, trapno, err, addr, syscall) -> 0 or -EFAULT.
static Napi::Value VmLeave(const Napi::CallbackInfo& info) {
  Thread* t = Thread::Unwrap(info[0].As<Napi::Object>());
  int r = leaveContext(t, num(info[1]), num(info[2]), num(info[3]), info[4].As<Napi::Boolean>().Value());
  return Napi::Number::New(info.Env(), r);
}

void InitVmctx(Napi::Env env, Napi::Object exports) {
  exports.Set("vmEnter", Napi::Function::New(env, VmEnter));
  exports.Set("vmLeave", Napi::Function::New(env, VmLeave));
}

}  // namespace vkemu
