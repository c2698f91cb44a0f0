// bench/vcpu: a native thread's round trip to the JavaScript thread and back,
// the hand-off every exit served in TypeScript would cost if the engine ran on
// a thread of its own (a vCPU thread). Two ways:
//   tsfn   the native thread calls a ThreadSafeFunction (libuv wakes the event
//          loop, the callback runs) and sleeps until JavaScript answers
//   block  JavaScript waits for the exit inside a native call (a futex) and
//          answers with another: no event-loop turn, but the JavaScript thread
//          does nothing else meanwhile
#include <linux/futex.h>
#include <napi.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace {

std::atomic<int> gExit{0}, gResume{0};
std::thread gThread;
double gNsPerRound = 0;

double nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void futexWait(std::atomic<int>* a, int v) {
  while (a->load() == v) syscall(SYS_futex, reinterpret_cast<int*>(a), FUTEX_WAIT_PRIVATE, v, nullptr, nullptr, 0);
}
void futexPost(std::atomic<int>* a, int v) {
  a->store(v);
  syscall(SYS_futex, reinterpret_cast<int*>(a), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

// tsfn(callback, rounds): the thread calls callback(i) and waits for reply().
Napi::Value Tsfn(const Napi::CallbackInfo& info) {
  auto fn = Napi::ThreadSafeFunction::New(info.Env(), info[0].As<Napi::Function>(), "handoff", 0, 1);
  int rounds = info[1].As<Napi::Number>().Int32Value();
  gResume = 0;
  gThread = std::thread([fn, rounds]() mutable {
    double t0 = nowNs();
    for (int i = 1; i <= rounds; i++) {
      fn.BlockingCall([i](Napi::Env env, Napi::Function cb) { cb.Call({Napi::Number::New(env, i)}); });
      futexWait(&gResume, i - 1);
    }
    gNsPerRound = (nowNs() - t0) / rounds;
    fn.Release();
  });
  return info.Env().Undefined();
}

Napi::Value Reply(const Napi::CallbackInfo& info) {
  futexPost(&gResume, gResume.load() + 1);
  return info.Env().Undefined();
}

// block(rounds): the thread posts an exit and sleeps until resume().
Napi::Value Block(const Napi::CallbackInfo& info) {
  int rounds = info[0].As<Napi::Number>().Int32Value();
  gExit = 0;
  gResume = 0;
  gThread = std::thread([rounds] {
    double t0 = nowNs();
    for (int i = 1; i <= rounds; i++) {
      futexPost(&gExit, i);
      futexWait(&gResume, i - 1);
    }
    gNsPerRound = (nowNs() - t0) / rounds;
  });
  return info.Env().Undefined();
}

// waitExit(i): sleeps until the thread's i-th exit.
Napi::Value WaitExit(const Napi::CallbackInfo& info) {
  int i = info[0].As<Napi::Number>().Int32Value();
  futexWait(&gExit, i - 1);
  return info.Env().Undefined();
}

Napi::Value Join(const Napi::CallbackInfo& info) {
  if (gThread.joinable()) gThread.join();
  return Napi::Number::New(info.Env(), gNsPerRound);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("tsfn", Napi::Function::New(env, Tsfn));
  exports.Set("reply", Napi::Function::New(env, Reply));
  exports.Set("block", Napi::Function::New(env, Block));
  exports.Set("waitExit", Napi::Function::New(env, WaitExit));
  exports.Set("resume", Napi::Function::New(env, Reply));
  exports.Set("join", Napi::Function::New(env, Join));
  return exports;
}

}  // namespace

NODE_API_MODULE(handoff, Init)
