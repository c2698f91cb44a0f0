// Entering and leaving a vmspace (VMSPACE_CTL_RUN, vkernel-host-abi.md §2.4-2.5)
// in C++: the trapframe copy, the register swap and the move between engines
// are the per-exit cost of every guest system call and page fault of a virtual
// kernel, and doing them in TypeScript cost about 8 µs of a 14 µs round trip.
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

void moveThread(Thread* t, const Napi::Object& so) {
  Space* ns = Space::Unwrap(so);
  if (ns == t->space) return;
  Core* c = t->space->core();
  // Between spaces of one engine the registers stay where they are.
  if (c && c->loaded == t && c != ns->core()) {
    t->saveFrom(c);
    c->loaded = nullptr;
  }
  t->space = ns;
  t->spaceRef = Napi::Persistent(so);
}

uint64_t num(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
}

}  // namespace

// vmEnter(thread, vmSpace, tframe, vframe, saved: BigUint64Array(kNumRegs)) -> 0 or -EFAULT.
// Reads the trapframe and vextframe from the thread's (vkernel's) space, keeps
// the vkernel's registers in `saved`, loads the guest's and moves the thread
// into the vmspace. The FPU state is left alone: the guest starts with the
// caller's (§2.4).
static Napi::Value VmEnter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Thread* t = Thread::Unwrap(info[0].As<Napi::Object>());
  Napi::Object vm = info[1].As<Napi::Object>();
  uint64_t tframe = num(info[2]), vframe = num(info[3]);
  uint64_t* saved = info[4].As<Napi::BigUint64Array>().Data();
  uint64_t tf[kTrapframeSlots], vf[kVextframeSize / 8];
  if (!t->space->copyIn(tframe, tf, kTrapframeSize) || !t->space->copyIn(vframe, vf, kVextframeSize))
    return Napi::Number::New(env, -14);
  uint64_t* r = t->regs;
  memcpy(saved, r, kNumRegs * 8);
  for (int i = 0; i < kTrapframeSlots; i++)
    if (kTfReg[i] >= 0) r[kTfReg[i]] = tf[i];
  r[kRflags] = (r[kRflags] & kPslKeep) | 0x2 | kPslI;
  r[kFsBase] = vf[0];
  r[kGsBase] = vf[2];
  r[kDirty] |= kAllRegs;
  moveThread(t, vm);
  return Napi::Number::New(env, 0);
}

// vmLeave(thread, vkSpace, tframe, trapno, err, addr, syscall, saved) -> 0 or -EFAULT.
// Writes the guest's registers as the exit trapframe (for a system call the
// guest's 4th argument, r10, travels in tf_rcx), moves the thread back and
// gives it the vkernel's registers again.
static Napi::Value VmLeave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Thread* t = Thread::Unwrap(info[0].As<Napi::Object>());
  Napi::Object vk = info[1].As<Napi::Object>();
  uint64_t tframe = num(info[2]);
  uint64_t trapno = num(info[3]), err = num(info[4]), addr = num(info[5]);
  bool syscall = info[6].As<Napi::Boolean>().Value();
  uint64_t* saved = info[7].As<Napi::BigUint64Array>().Data();
  uint64_t* r = t->regs;
  uint64_t tf[kTrapframeSlots] = {0};
  for (int i = 0; i < kTrapframeSlots; i++)
    if (kTfReg[i] >= 0) tf[i] = r[kTfReg[i]];
  tf[kTfTrapno] = trapno;
  tf[kTfAddr] = addr;
  tf[kTfErr] = err;
  tf[kTfCs] = 0x2b;
  tf[kTfSs] = 0x23;
  if (syscall) tf[kTfRcx] = r[kR10];
  moveThread(t, vk);
  memcpy(r, saved, kNumRegs * 8);
  r[kDirty] |= kAllRegs;
  return Napi::Number::New(env, t->space->copyOut(tframe, tf, kTrapframeSize) ? 0 : -14);
}

void InitVmctx(Napi::Env env, Napi::Object exports) {
  exports.Set("vmEnter", Napi::Function::New(env, VmEnter));
  exports.Set("vmLeave", Napi::Function::New(env, VmLeave));
}

}  // namespace vkemu
