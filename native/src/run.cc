// Running guest code: the hooks that end a run (a system call, an exception,
// the watchdog's end of slice) and Space::Run, which starts the engine on a
// thread and turns what stopped it into an exit reason for the scheduler.
#include "space.h"

#include <cstdio>
#include <cstdlib>

namespace vkemu {

const Switches& switches() {
  static const Switches s = {
      getenv("VKEMU_DEBUG_RUN") != nullptr,
      getenv("VKEMU_DEBUG_STOP") != nullptr,
      getenv("VKEMU_DEBUG_SEG") != nullptr,
  };
  return s;
}

static void onIntr(uc_engine* uc, uint32_t intno, void* user) {
  static_cast<Core*>(user)->stop.vector = static_cast<int>(intno);
  uc_emu_stop(uc);
}

static bool onInvalid(uc_engine* uc, void* user) {
  static_cast<Core*>(user)->stop.vector = 6;
  return false;
}

// At the start of every translated block while stops must be exact inside
// blocks (preempt.cc): the watchdog's request to end the slice is honoured
// here, where Unicorn keeps the guest PC exact.
void onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
  Core* c = static_cast<Core*>(user);
  if (c->preempt.load(std::memory_order_relaxed)) {
    c->preempt.store(false, std::memory_order_relaxed);
    uc_emu_stop(uc);
  }
}

static void onSyscall(uc_engine* uc, void* user) {
  Core* c = static_cast<Core*>(user);
  Space* s = c->current;
  // getpid, clock_gettime: served here, no trip to TypeScript (fastcall.cc).
  if (s && s->fastGetpid && c->running && serveFast(s)) return;
  c->stop.syscall = true;
  uc_emu_stop(uc);
}

void Core::addRunHooks() {
  uc_hook_add(uc, &hookIntr_, UC_HOOK_INTR, (void*)onIntr, this, 1, 0);
  uc_hook_add(uc, &hookInvalid_, UC_HOOK_INSN_INVALID, (void*)onInvalid, this, 1, 0);
  uc_hook_add(uc, &hookSyscall_, UC_HOOK_INSN, (void*)onSyscall, this, 1, 0, UC_X86_INS_SYSCALL);
}

// run(thread, count) -> ExitReason; details land in the thread's slots.
// JavaScript calls it as run(spaceId, threadId, count) (runcall.cc).
// count 0: until an exit or the watchdog's end of the slice.
int Space::run(Thread* t, uint64_t count) {
  if (closed_) {
    t->regs[kExitReason] = kExitEngineError;
    t->regs[kExitError] = UC_ERR_HANDLE;
    return kExitEngineError;
  }
  // Guest contexts entered and left here (vmctx.cc) keep the run going, in
  // the other space, until something TypeScript must see or the slice ends.
  Space* s = this;
  int reason;
  uint64_t ticks = watchdogTicks();
  for (;;) {
    reason = s->runOnce(t, count);
    if (!t->regs[kCtxFast] || count != 0) break;
    Space* next = switchContext(t, s, reason);
    if (!next) break;
    s = next;
    if (watchdogTicks() - ticks >= static_cast<uint64_t>(core_->sliceTicks)) {
      reason = kExitBudget;
      t->regs[kExitReason] = static_cast<uint64_t>(reason);
      break;
    }
  }
  return reason;
}

int Space::runOnce(Thread* t, uint64_t count) {
  if (closed_) {
    t->regs[kExitReason] = kExitEngineError;
    t->regs[kExitError] = UC_ERR_HANDLE;
    return kExitEngineError;
  }
  uint64_t rip = t->regs[kRip];
  beginRun(t, count);
  uc_err err = emulate(rip, count);
  t->pullRegs();
  // A page whose translated code went stale (codepages.cc): drop that code
  // and go on from where the run stopped, which the guest never sees.
  while (core_->stop.staleCode) {
    RunStop st = core_->stop;
    refreshCode(st.faultAddr & ~(kPage - 1), st.staleOff);
    core_->stop = RunStop();
    err = emulate(t->regs[kRip], count);
    t->pullRegs();
  }
  core_->running = nullptr;
  int reason = exitReason(t, err, rip);
  if (reason == kExitException || reason == kExitFault || reason == kExitHalt) core_->clearOldException();
  if (switches().traceRuns)
    fprintf(stderr, "run %lx -> %lx rsp %lx reason %d err %d count %lu vector %d fast %lu\n", (unsigned long)rip,
            (unsigned long)t->regs[kRip], (unsigned long)t->regs[kRsp], reason, err, (unsigned long)count,
            core_->stop.vector, (unsigned long)t->regs[kFastCalls]);
  reason = debuggerStop(t, reason);
  t->regs[kExitReason] = static_cast<uint64_t>(reason);
  return reason;
}

// Make the engine ready to run t in this space: its TLB holding this space's
// pages, t's registers loaded, the per-run state reset.
void Space::beginRun(Thread* t, uint64_t count) {
  Core* c = core_.get();
  if (c->flushCode) {
    uc_ctl_flush_tb(c->uc);
    c->flushCode = false;
  }
  c->setExact(count > 0 || c->dbg.hooked());
  if (c->current != this) c->flushTlb(this);
  c->growTlb();
  t->loadInto(this);
  t->pushDirty();
  c->stop = RunStop();
  c->running = t;
  t->regs[kFastCalls] = 0;
  c->dbg.first = true;
  c->dbg.startRip = t->regs[kRip];
  c->dbg.skip = t->regs[kDebugSkip];
  t->regs[kDebugSkip] = 0;
  c->dbg.watchHit = c->dbg.bpHit = false;
  // count 0: the watchdog ends the slice after sliceTicks milliseconds.
  if (count == 0 && !c->watched) {
    watchdogAdd(c);
    c->watched = true;
  }
}

// uc_emu_start between the watchdog's run-generation marks (odd inside; the
// end waits for a stop the watchdog may be making, preempt.cc).
uc_err Space::emulate(uint64_t rip, uint64_t count) {
  Core* c = core_.get();
  c->runGen.fetch_add(1, std::memory_order_acq_rel);
  uc_err err = uc_emu_start(c->uc, rip, kUntil, 0, count);
  c->runEnded();
  c->preempt.store(false, std::memory_order_relaxed);
  return err;
}

// What ended the run, from the hooks' record and Unicorn's result; the
// exit slots (vector, fault address and access) are filled as it says.
int Space::exitReason(Thread* t, uc_err err, uint64_t startRip) {
  RunStop& st = core_->stop;
  if (st.syscall) return kExitSyscall;
  if (st.vector == 6 || err == UC_ERR_INSN_INVALID) {
    t->regs[kExitVector] = 6;
    return kExitException;
  }
  if (st.fault && (st.vector == 14 || st.vector < 0) && err != UC_ERR_OK) {
    if (st.faultNoncanonical) {
      t->regs[kExitVector] = 13;
      return kExitException;
    }
    // The fill callback sees only the page (CR2 is not set in this mode, and
    // memory hooks do not fire before a failed fill): data faults are
    // decoded from the instruction; fetch faults are exact when rip is there.
    uint64_t addr = st.faultAddr, r = t->regs[kRip];
    if (st.faultAccess == 2 && (r & ~(kPage - 1)) == (addr & ~(kPage - 1))) addr = r;
    else if (st.faultAccess != 2) addr = exactDataFault(t, addr);
    t->regs[kExitAddr] = addr;
    t->regs[kExitAccess] = static_cast<uint64_t>(st.faultAccess);
    t->regs[kExitPresent] = st.faultPresent ? 1 : 0;
    return kExitFault;
  }
  if (st.vector >= 0) {
    t->regs[kExitVector] = static_cast<uint64_t>(st.vector);
    return kExitException;
  }
  if (err == UC_ERR_OK) return kExitBudget;
  if (err == UC_ERR_EXCEPTION) {
    // Guest code runs at CPL 3, so hlt and friends arrive as #GP through the
    // interrupt hook. What is left is a stop from the watchdog racing with
    // the end of a block: nothing happened to the guest.
    if (switches().traceStops)
      fprintf(stderr, "EXCEPTION exit rip %lx (start %lx) fault %d vec %d\n", (unsigned long)t->regs[kRip],
              (unsigned long)startRip, st.fault, st.vector);
    return kExitBudget;
  }
  t->regs[kExitError] = static_cast<uint64_t>(err);
  return kExitEngineError;
}

// A debugger hook that stopped the run turns it into kExitStop: vector 3 for
// a breakpoint (rip is at it), 1 for a watchpoint (rip is past the accessing
// instruction).
int Space::debuggerStop(Thread* t, int reason) {
  DebugHooks& d = core_->dbg;
  // A watchpoint hit by the instruction a debugger single-steps with the trap
  // flag: the #DB after it must not hide the hit.
  bool stepTrap = reason == kExitException && t->regs[kExitVector] == 1;
  if (!(reason == kExitBudget || stepTrap) || !(d.bpHit || d.watchHit)) return reason;
  t->regs[kExitVector] = d.watchHit ? 1 : 3;
  t->regs[kExitAddr] = d.hitAddr;
  t->regs[kExitAccess] = static_cast<uint64_t>(d.hitAccess);
  return kExitStop;
}

}  // namespace vkemu
