// A guest thread's CPU state: a Unicorn context plus register slots shared
// with TypeScript, loaded into its space's engine only while it runs there.
#include <cstring>

#include "space.h"

namespace vkemu {

Napi::FunctionReference* Thread::constructor = nullptr;

static const int kRegIds[kNumRegs] = {
    UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI,
    UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP, UC_X86_REG_R8,  UC_X86_REG_R9,
    UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14,
    UC_X86_REG_R15, UC_X86_REG_RIP, UC_X86_REG_EFLAGS, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE,
};

Napi::Function Thread::Init(Napi::Env env) {
  Napi::Function f = DefineClass(env, "Thread",
                                 {
                                     InstanceMethod("clone", &Thread::Clone),
                                     InstanceMethod("moveTo", &Thread::MoveTo),
                                     InstanceMethod("getFpu", &Thread::GetFpu),
                                     InstanceMethod("setFpu", &Thread::SetFpu),
                                     InstanceMethod("resetFpu", &Thread::ResetFpu),
                                     InstanceMethod("sync", &Thread::Sync),
                                 });
  constructor = new Napi::FunctionReference(Napi::Persistent(f));
  return f;
}

// new Thread(space, regs: BigUint64Array(32)[, template: Thread]): a fresh
// thread in the pristine CPU state, or a copy of `template`.
Thread::Thread(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Thread>(info) {
  Napi::Env env = info.Env();
  registerObject(this, info.This().As<Napi::Object>());
  Napi::Object so = info[0].As<Napi::Object>();
  space = Space::Unwrap(so);
  spaceRef = Napi::Persistent(so);
  Napi::BigUint64Array r = info[1].As<Napi::BigUint64Array>();
  if (r.ElementLength() < kRegSlots) {
    Napi::TypeError::New(env, "register array too small").ThrowAsJavaScriptException();
    return;
  }
  regsRef = Napi::Persistent(r);
  regs = r.Data();
  if (!space->core()) {
    Napi::Error::New(env, "the address space is closed").ThrowAsJavaScriptException();
    return;
  }
  uc_context_alloc(space->uc(), &ctx);
  size_t size = uc_context_size(space->uc());
  if (info.Length() > 2 && info[2].IsObject()) {
    Thread* tpl = Thread::Unwrap(info[2].As<Napi::Object>());
    if (tpl->space->core() && tpl->space->core()->loaded == tpl) tpl->saveFrom(tpl->space->core());
    memcpy(ctx, tpl->ctx, size);
  } else {
    memcpy(ctx, space->core()->pristine, size);
  }
  uint64_t vals[kNumRegs];
  void* ptrs[kNumRegs];
  for (int i = 0; i < kNumRegs; i++) ptrs[i] = &vals[i];
  uc_context_reg_read_batch(ctx, const_cast<int*>(kRegIds), ptrs, kNumRegs);
  for (int i = 0; i < kNumRegs; i++) regs[i] = vals[i];
  regs[kDirty] = 0;
}

Thread::~Thread() {
  unregisterObject(this);
  if (space && space->core() && space->core()->loaded == this) space->core()->loaded = nullptr;
  if (ctx) uc_context_free(ctx);
}

void Thread::saveFrom(Core* c) { uc_context_save(c->uc, ctx); }

void Thread::loadInto(Space* s) {
  Core* c = s->core();
  if (c->loaded == this) return;
  if (c->loaded) c->loaded->saveFrom(c);
  uc_context_restore(c->uc, ctx);
  c->loaded = this;
}

void Thread::pullRegs() {
  if (const uint64_t* g = space->core()->gpr) {
    for (int i = 0; i <= kRip; i++) regs[i] = g[kEnvWord[i]];
    uc_reg_read(space->uc(), UC_X86_REG_EFLAGS, &regs[kRflags]);
    regs[kDirty] = 0;
    return;
  }
  // fs/gs bases change only through system calls, which TypeScript serves.
  static const int ids[] = {UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
                            UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP,
                            UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
                            UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
                            UC_X86_REG_RIP, UC_X86_REG_EFLAGS};
  void* ptrs[18];
  for (int i = 0; i < 18; i++) ptrs[i] = &regs[i];
  uc_reg_read_batch(space->uc(), const_cast<int*>(ids), ptrs, 18);
  regs[kDirty] = 0;
}

void Thread::pushDirty() {
  uint64_t d = regs[kDirty];
  if (!d) return;
  uint64_t* g = space->core()->gpr;
  for (int i = 0; i < kNumRegs; i++) {
    if (!(d & (1ull << i))) continue;
    if (g && i <= kRip) g[kEnvWord[i]] = regs[i];
    else uc_reg_write(space->uc(), kRegIds[i], &regs[i]);
  }
  regs[kDirty] = 0;
}

// clone(regs) -> a new Thread with a copy of this thread's state.
Napi::Value Thread::Clone(const Napi::CallbackInfo& info) {
  // Apply pending register edits first so that the copy sees them.
  if (regs[kDirty]) {
    loadInto(space);
    pushDirty();
  }
  return constructor->New({spaceRef.Value(), info[0], Value()});
}

// moveTo(space): carry this thread's CPU state into another space.
Napi::Value Thread::MoveTo(const Napi::CallbackInfo& info) {
  Napi::Object so = info[0].As<Napi::Object>();
  Space* ns = Space::Unwrap(so);
  moveTo(ns, so);
  return info.Env().Undefined();
}

void Thread::moveTo(Space* ns, const Napi::Object& so) {
  if (ns == space) return;
  Core* c = space->core();
  // Between spaces of one engine the registers stay where they are.
  if (c && c->loaded == this && c != ns->core()) {
    saveFrom(c);
    c->loaded = nullptr;
  }
  space = ns;
  spaceRef = Napi::Persistent(so);
}

// Reads or writes a register of this thread wherever its state lives.
static bool live(Thread* t) { return t->space->core() && t->space->core()->loaded == t; }
static void regRead(Thread* t, int id, void* v) {
  if (live(t)) uc_reg_read(t->space->uc(), id, v);
  else uc_context_reg_read(t->ctx, id, v);
}
static void regWrite(Thread* t, int id, const void* v) {
  if (live(t)) uc_reg_write(t->space->uc(), id, v);
  else uc_context_reg_write(t->ctx, id, v);
}

// getFpu() -> 512-byte FXSAVE image of the x87/SSE state.
// getFpu([into: Uint8Array of >= 512 bytes]): the FXSAVE image, into the
// caller's buffer when given (a signal frame: no allocation on that path).
Napi::Value Thread::GetFpu(const Napi::CallbackInfo& info) {
  Napi::Value result = info.Env().Undefined();
  uint8_t* p;
  if (info.Length() > 0 && info[0].IsTypedArray() && info[0].As<Napi::Uint8Array>().ByteLength() >= 512) {
    p = info[0].As<Napi::Uint8Array>().Data();
  } else {
    Napi::Buffer<uint8_t> b = Napi::Buffer<uint8_t>::New(info.Env(), 512);
    p = b.Data();
    result = b;
  }
  memset(p, 0, 512);
  uint64_t v = 0;
  regRead(this, UC_X86_REG_FPCW, &v);
  uint16_t fcw = static_cast<uint16_t>(v);
  v = 0;
  regRead(this, UC_X86_REG_FPSW, &v);
  uint16_t fsw = static_cast<uint16_t>(v);
  v = 0;
  regRead(this, UC_X86_REG_FPTAG, &v);
  uint8_t ftw = 0;  // abridged: bit i set when register i is not empty
  for (int i = 0; i < 8; i++)
    if (((v >> (2 * i)) & 3) != 3) ftw |= static_cast<uint8_t>(1 << i);
  uint32_t mxcsr = 0;
  v = 0;
  regRead(this, UC_X86_REG_MXCSR, &v);
  mxcsr = static_cast<uint32_t>(v);
  memcpy(p + 0, &fcw, 2);
  memcpy(p + 2, &fsw, 2);
  p[4] = ftw;
  memcpy(p + 24, &mxcsr, 4);
  uint32_t mask = 0xFFFF;
  memcpy(p + 28, &mask, 4);
  for (int i = 0; i < 8; i++) {
    uint8_t st[16] = {0};
    regRead(this, UC_X86_REG_ST0 + i, st);
    memcpy(p + 32 + 16 * i, st, 10);
  }
  for (int i = 0; i < 16; i++) regRead(this, UC_X86_REG_XMM0 + i, p + 160 + 16 * i);
  return result;
}

static void applyFpu(Thread* t, const uint8_t* p) {
  uint16_t fcw, fsw;
  memcpy(&fcw, p, 2);
  memcpy(&fsw, p + 2, 2);
  uint64_t v = fcw;
  regWrite(t, UC_X86_REG_FPCW, &v);
  v = fsw;
  regWrite(t, UC_X86_REG_FPSW, &v);
  uint64_t tag = 0;
  for (int i = 0; i < 8; i++) tag |= static_cast<uint64_t>((p[4] >> i) & 1 ? 0 : 3) << (2 * i);
  regWrite(t, UC_X86_REG_FPTAG, &tag);
  uint32_t mxcsr;
  memcpy(&mxcsr, p + 24, 4);
  v = mxcsr & 0xFFFF;
  regWrite(t, UC_X86_REG_MXCSR, &v);
  for (int i = 0; i < 8; i++) {
    uint8_t st[16] = {0};
    memcpy(st, p + 32 + 16 * i, 10);
    regWrite(t, UC_X86_REG_ST0 + i, st);
  }
  for (int i = 0; i < 16; i++) regWrite(t, UC_X86_REG_XMM0 + i, p + 160 + 16 * i);
}

Napi::Value Thread::SetFpu(const Napi::CallbackInfo& info) {
  Napi::Uint8Array a = info[0].As<Napi::Uint8Array>();
  if (a.ByteLength() >= 512) applyFpu(this, a.Data());
  return info.Env().Undefined();
}

// resetFpu(): the state a signal handler starts with.
Napi::Value Thread::ResetFpu(const Napi::CallbackInfo& info) {
  uint8_t img[512] = {0};
  uint16_t fcw = 0x37F;
  uint32_t mxcsr = 0x1F80;
  memcpy(img, &fcw, 2);
  memcpy(img + 24, &mxcsr, 4);
  applyFpu(this, img);
  return info.Env().Undefined();
}

// sync(): write pending register edits into the saved state now.
Napi::Value Thread::Sync(const Napi::CallbackInfo& info) {
  uint64_t d = regs[kDirty];
  for (int i = 0; i < kNumRegs; i++)
    if (d & (1ull << i)) regWrite(this, kRegIds[i], &regs[i]);
  regs[kDirty] = 0;
  return info.Env().Undefined();
}

}  // namespace vkemu
