// The scheduler's call into guest code, made cheap: every system call served
// in TypeScript is one run, and an N-API method call that unwraps two objects
// (`space.run(thread, count)`) cost about 120 ns of a 550 ns round trip.
// Spaces and threads get small numbers at construction (the `id` property);
// `run(spaceId, threadId, count)` is a plain function that finds them in a
// table. A number that names no live object throws, as a wrong object did.
// The same for the space's copy-in and copy-out methods (an instance method
// call cost ~115 ns against ~30 ns for a plain function, measured).
#include <vector>

#include "space.h"

namespace vkemu {

namespace {

template <class T>
class Registry {
 public:
  uint32_t add(T* p) {
    if (free_.empty()) {
      slots_.push_back(p);
      return static_cast<uint32_t>(slots_.size());  // 0 is never an id
    }
    uint32_t id = free_.back();
    free_.pop_back();
    slots_[id - 1] = p;
    return id;
  }
  void remove(uint32_t id) {
    if (id == 0 || id > slots_.size()) return;
    slots_[id - 1] = nullptr;
    free_.push_back(id);
  }
  T* get(double id) const {
    if (!(id >= 1 && id <= static_cast<double>(slots_.size()))) return nullptr;
    return slots_[static_cast<size_t>(id) - 1];
  }

 private:
  std::vector<T*> slots_;
  std::vector<uint32_t> free_;
};

Registry<Space> gSpaces;
Registry<Thread> gThreads;

// run(spaceId, threadId, count) -> ExitReason (Space::run).
Napi::Value RunCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Space* s = gSpaces.get(info[0].As<Napi::Number>().DoubleValue());
  Thread* t = gThreads.get(info[1].As<Napi::Number>().DoubleValue());
  double count = info[2].As<Napi::Number>().DoubleValue();
  if (!s || !t || t->space != s || !(count >= 0)) {
    Napi::Error::New(env, "run: no such space or thread, or the thread is in another space").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, s->run(t, static_cast<uint64_t>(count)));
}

// The copy-in/copy-out calls almost every system call makes, by number too:
// the space's number comes last, after the method's own arguments.
template <Napi::Value (Space::*M)(const Napi::CallbackInfo&)>
Napi::Value ById(const Napi::CallbackInfo& info) {
  Space* s = info.Length() ? gSpaces.get(info[info.Length() - 1].As<Napi::Number>().DoubleValue()) : nullptr;
  if (!s) {
    Napi::Error::New(info.Env(), "no such space").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return (s->*M)(info);
}

}  // namespace

void registerObject(Space* s, Napi::Object o) {
  s->id = gSpaces.add(s);
  o.Set("id", Napi::Number::New(o.Env(), s->id));
}

void registerObject(Thread* t, Napi::Object o) {
  t->id = gThreads.add(t);
  o.Set("id", Napi::Number::New(o.Env(), t->id));
}

void unregisterObject(Space* s) { gSpaces.remove(s->id); }
void unregisterObject(Thread* t) { gThreads.remove(t->id); }

void InitRunCall(Napi::Env env, Napi::Object exports) {
  exports.Set("run", Napi::Function::New(env, RunCall, "run"));
  exports.Set("spaceReadInto", Napi::Function::New(env, ById<&Space::ReadInto>, "spaceReadInto"));
  exports.Set("spaceWrite", Napi::Function::New(env, ById<&Space::Write>, "spaceWrite"));
  exports.Set("spaceReadCString", Napi::Function::New(env, ById<&Space::ReadCString>, "spaceReadCString"));
  exports.Set("spaceCheck", Napi::Function::New(env, ById<&Space::Check>, "spaceCheck"));
  exports.Set("spaceFdIo", Napi::Function::New(env, ById<&Space::FdIo>, "spaceFdIo"));
}

}  // namespace vkemu
