// System calls answered inside the engine's syscall hook, without ending the
// run: a call served in TypeScript costs a stop, a return to JavaScript and a
// restart (about 250 ns), one served here 40-70 ns. Only calls whose answer
// needs no state TypeScript keeps: the process id (set with setFast) and the
// host's clocks (Go reads the clock at every scheduling decision: about one
// clock_gettime per goroutine switch, measured with --strace). Anything
// unusual (another clock, a bad pointer) is left to TypeScript, which gives
// the same answer, errors included.
#include <time.h>

#include <cstring>
#include <vector>

#include "fdmirror.h"
#include "space.h"

namespace vkemu {

uint64_t callReg(Space* s, int slot, int id) {
  if (uint64_t* g = s->core()->gpr) return g[kEnvWord[slot]];
  uint64_t v = 0;
  uc_reg_read(s->uc(), id, &v);
  return v;
}

// The result: rax and a clear carry flag (DragonFly's success).
void callSucceed(Space* s, uint64_t value) {
  if (uint64_t* g = s->core()->gpr) g[kEnvWord[kRax]] = value;
  else uc_reg_write(s->uc(), UC_X86_REG_RAX, &value);
  uint64_t fl = 0;
  uc_reg_read(s->uc(), UC_X86_REG_EFLAGS, &fl);
  fl &= ~1ull;
  uc_reg_write(s->uc(), UC_X86_REG_EFLAGS, &fl);
}

namespace {

bool getpid(Space* s) {
  callSucceed(s, static_cast<uint64_t>(s->pid));
  return true;
}

// clock_gettime(id, ts) for DragonFly's wall-clock ids (REALTIME, its
// PRECISE and FAST variants, SECOND) and monotonic ids (MONOTONIC, UPTIME
// and their variants), as src/vm/syscalls/clocks.ts and src/vm/clock.ts do.
bool clockGettime(Space* s) {
  if (!s->fastClock) return false;
  uint64_t id = callReg(s, kRdi, UC_X86_REG_RDI), va = callReg(s, kRsi, UC_X86_REG_RSI);
  bool wall = id == 0 || id == 9 || id == 10 || id == 13;
  bool mono = id == 4 || id == 5 || id == 7 || id == 8 || id == 11 || id == 12;
  if (!wall && !mono) return false;
  struct timespec ts;
  clock_gettime(wall ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
  int64_t ns = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  if (mono) ns -= s->clockOffsetNs;
  if (id == 13) ns -= ns % 1000000000;
  int64_t out[2] = {ns / 1000000000, ns % 1000000000};
  if (!s->copyOut(va, out, sizeof out)) return false;  // EFAULT, from TypeScript
  callSucceed(s, 0);
  return true;
}

struct FastCall {
  uint64_t num;
  bool (*serve)(Space*);
};
const FastCall kServed[] = {
    {20, getpid},
    {232, clockGettime},
    {75, serveMadvise},          // a virtual kernel's MADV_INVAL (vkcalls.cc)
    {485, serveMcontrol},
    {491, serveVmspaceMcontrol},
    {3, serveRead},              // host files and memory devices (fdcalls.cc)
    {4, serveWrite},
    {120, serveReadv},
    {121, serveWritev},
    {173, serveExtpread},
    {174, serveExtpwrite},
    {199, serveLseek},
    {289, serveExtpreadv},
    {290, serveExtpwritev},
};

}  // namespace

std::vector<uint64_t> fastCallNumbers() {
  std::vector<uint64_t> v;
  for (const FastCall& c : kServed) v.push_back(c.num);
  return v;
}

bool serveFast(Space* s) {
  uint64_t num = callReg(s, kRax, UC_X86_REG_RAX);
  for (const FastCall& c : kServed) {
    if (c.num != num) continue;
    if (!c.serve(s)) return false;
    s->core()->running->regs[kFastCalls]++;
    return true;
  }
  return false;
}

}  // namespace vkemu
