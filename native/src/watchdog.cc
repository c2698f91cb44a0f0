// Time slices without Unicorn's instruction count (which installs a hook on
// every instruction and costs ~40x): a host thread that ends the run of an
// engine that has gone on for more than a few milliseconds, stopping it itself
// when its translated code checks for stops only at block starts, or asking
// its block hook to (preempt.cc says which, and why).
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "space.h"

namespace vkemu {

namespace {
std::mutex gMutex;
std::set<Core*> gCores;
bool gStarted = false;
std::atomic<uint64_t> gTicks{0};
constexpr int kTickUs = 1000;

void loop() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::microseconds(kTickUs));
    gTicks.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(gMutex);
    for (Core* s : gCores) {
      uint64_t gen = s->runGen.load(std::memory_order_acquire);
      if (!(gen & 1)) {  // even: not inside uc_emu_start
        s->watchSeen = gen;
        s->watchTicks = 0;
        continue;
      }
      if (gen != s->watchSeen) {
        s->watchSeen = gen;
        s->watchTicks = 0;
        continue;
      }
      if (++s->watchTicks >= s->sliceTicks) {
        s->watchTicks = 0;
        s->requestPreempt(gen);
      }
    }
  }
}
}  // namespace

void watchdogAdd(Core* c) {
  std::lock_guard<std::mutex> lock(gMutex);
  gCores.insert(c);
  if (!gStarted) {
    gStarted = true;
    std::thread(loop).detach();
  }
}

uint64_t watchdogTicks() { return gTicks.load(std::memory_order_relaxed); }

void watchdogRemove(Core* c) {
  std::lock_guard<std::mutex> lock(gMutex);
  gCores.erase(c);
}

}  // namespace vkemu
