// Readiness of host descriptors without polling. One thread per Node
// environment waits in epoll_wait on every descriptor the TypeScript side
// asked about and only signals: it queues (registration, events) and wakes the
// main thread through a thread-safe function, where the callbacks run. Guest
// code, system calls and every readiness check stay on the main thread.
//
// Registrations are edge-triggered (EPOLLET) and persistent until cancelled:
// a callback runs once when the descriptor is already ready at registration,
// then after each readiness edge (new data, room freed, hang-up). Level
// reporting would wake the main thread in a loop while a waiter keeps waiting
// on a descriptor that stays ready (an EV_CLEAR knote already reported, an
// O_ASYNC owner that did not drain); one-shot would need a re-arm round trip
// per wake-up. Edges are also what BSD reports to kevent's EV_CLEAR and SIGIO.
//
// The thread-safe function is unreferenced: the watcher never keeps Node's
// event loop alive by itself (Machine.run holds its own handle while guests run).
#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <mutex>
#include <thread>
#include <unordered_map>

#include "space.h"

namespace vkemu {

namespace {

constexpr uint64_t kStopKey = 0;  // epoll data of the eventfd that ends the thread

struct Poller {
  int ep = -1;
  int stopFd = -1;
  std::thread thread;
  Napi::ThreadSafeFunction tsfn;
  // Shared with the thread.
  std::mutex mu;
  std::unordered_map<uint64_t, uint32_t> pending;  // registration -> events seen (OR-ed)
  bool posted = false;
  // Main thread only.
  uint64_t nextId = 1;
  struct Reg { int fd; Napi::FunctionReference cb; };
  std::unordered_map<uint64_t, Reg> regs;
};

// Runs on the main thread: hand what the thread saw to the callbacks still registered.
void deliver(Napi::Env env, Napi::Function, Poller* p) {
  std::unordered_map<uint64_t, uint32_t> batch;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    batch.swap(p->pending);
    p->posted = false;
  }
  for (const auto& [id, events] : batch) {
    auto it = p->regs.find(id);
    if (it == p->regs.end()) continue;  // cancelled after the edge was queued
    Napi::HandleScope scope(env);
    // Keep the function alive on the stack: the callback may cancel itself.
    Napi::Function cb = it->second.cb.Value();
    cb.Call({Napi::Number::New(env, events)});
    if (env.IsExceptionPending()) return;  // Node reports it; the rest would run with it pending
  }
}

void loop(Poller* p) {
  // Signals are for the main thread (Node's handlers and the guests' SIGIO/SIGALRM machinery).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(p->ep, evs, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bool stop = false, post = false;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      for (int i = 0; i < n; i++) {
        if (evs[i].data.u64 == kStopKey) stop = true;
        else p->pending[evs[i].data.u64] |= evs[i].events;
      }
      if (!stop && !p->pending.empty() && !p->posted) post = p->posted = true;
    }
    if (stop) return;
    // Coalesced: at most one call is queued; the main thread takes everything seen until it runs.
    if (post && p->tsfn.NonBlockingCall(p, deliver) != napi_ok) return;  // the environment is closing
  }
}

void stopPoller(void* arg) {
  Poller* p = static_cast<Poller*>(arg);
  uint64_t one = 1;
  if (write(p->stopFd, &one, sizeof one) == sizeof one && p->thread.joinable()) p->thread.join();
  else if (p->thread.joinable()) p->thread.detach();
  p->regs.clear();
  p->tsfn.Release();
  // The Poller itself is left allocated: a detached thread may still look at it.
}

// One watcher per environment, started on first use.
std::mutex gMapMutex;
std::unordered_map<napi_env, Poller*> gPollers;

Poller* findPoller(Napi::Env env) {
  std::lock_guard<std::mutex> lock(gMapMutex);
  auto it = gPollers.find(env);
  return it == gPollers.end() ? nullptr : it->second;
}

Poller* pollerFor(Napi::Env env) {
  if (Poller* p = findPoller(env)) return p;
  std::lock_guard<std::mutex> lock(gMapMutex);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return nullptr;
  int stopFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd < 0) {
    close(ep);
    return nullptr;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kStopKey;
  epoll_ctl(ep, EPOLL_CTL_ADD, stopFd, &ev);
  Poller* p = new Poller();
  p->ep = ep;
  p->stopFd = stopFd;
  p->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                          "vkemu readiness watcher", 0, 1);
  p->tsfn.Unref(env);
  p->thread = std::thread(loop, p);
  napi_add_env_cleanup_hook(env, [](void* arg) {
    Poller* q = static_cast<Poller*>(arg);
    {
      std::lock_guard<std::mutex> lock(gMapMutex);
      for (auto i = gPollers.begin(); i != gPollers.end(); ++i)
        if (i->second == q) { gPollers.erase(i); break; }
    }
    stopPoller(q);
  }, p);
  gPollers[env] = p;
  return p;
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = reinterpret_cast<uintptr_t>(info.Data());
  Poller* p = findPoller(env);
  if (!p) return env.Undefined();  // the environment is shutting down
  auto it = p->regs.find(id);
  if (it == p->regs.end()) return env.Undefined();  // cancelling twice is harmless
  // The descriptor must still be open (the caller cancels before closing it);
  // if it is not, the kernel already dropped the registration with the file.
  epoll_ctl(p->ep, EPOLL_CTL_DEL, it->second.fd, nullptr);
  p->regs.erase(it);
  return env.Undefined();
}

// watchFd(fd, events, cb) -> cancel() or -errno. events: Linux EPOLLIN/EPOLLOUT/EPOLLRDHUP/EPOLLPRI;
// EPOLLERR and EPOLLHUP always come. cb(revents) runs on the main thread after each edge.
// EPERM: epoll does not watch regular files and directories (they are always ready).
Napi::Value WatchFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  uint32_t events = info[1].As<Napi::Number>().Uint32Value() & (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI);
  if (!info[2].IsFunction()) return Napi::Number::New(env, -EINVAL);
  Poller* p = pollerFor(env);
  if (!p) return Napi::Number::New(env, -errno);
  uint64_t id = p->nextId++;
  epoll_event ev{};
  ev.events = events | EPOLLET;
  ev.data.u64 = id;
  if (epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev) < 0) return Napi::Number::New(env, -errno);
  p->regs.emplace(id, Poller::Reg{fd, Napi::Persistent(info[2].As<Napi::Function>())});
  return Napi::Function::New(env, Cancel, "cancelWatchFd", reinterpret_cast<void*>(static_cast<uintptr_t>(id)));
}

}  // namespace

void InitPoller(Napi::Env env, Napi::Object exports) {
  exports.Set("watchFd", Napi::Function::New(env, WatchFd));
}

}  // namespace vkemu
