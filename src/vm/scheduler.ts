// The scheduler: a run queue of guest threads, run one at a time on Node's
// thread (a slice each, or until a system call blocks), the system calls they
// exit with, the exits of virtual-kernel guest contexts, and the machine's
// timers (host timers, or the virtual clock's in --deterministic runs).
import { Exit, Reg } from '../cpu/engine.js';
import { E } from './abi/errno.js';
import { SIG, signalOfVector, T, trapOfVector } from './abi/signals.js';
import type { VirtualClock } from './clock.js';
import type { Machine } from './machine.js';
import { restartAfterSignal } from './restart.js';
import { deliverSignals, signalWaiting, trapSignal } from './sigdeliver.js';
import { dispatchSyscall, type SyscallResult } from './syscalls/dispatch.js';
import type { GuestThread, Wait } from './thread.js';
import { exitVmspace } from './vmspace.js';

const BLOCKED = Symbol('blocked');

interface Timer { at: bigint; fire: () => void; cancelled: boolean }

export class Scheduler {
  private readonly runq: GuestThread[] = [];
  private wakeLoop: (() => void) | undefined;
  private readonly timers: Timer[] = [];

  constructor(private readonly m: Machine) {}

  /**
   * Threads whose wait has ended (a wake-up, a signal) but whose system call has not finished yet:
   * that happens in promise callbacks, which run only when the scheduler lets Node in.
   */
  private readonly waking = new Set<GuestThread>();

  /**
   * sched_yield: t's turn ends after this call when another thread can run, or is about to: a
   * virtual kernel's vCPU spins on it right after signalling (lwp_kill, the IPI) the other vCPU
   * out of its umtx_sleep. A yield that kept the turn made that spin last the whole turn (4096
   * calls, ~65 ms) each time; counting only the run queue, it still did whenever the other vCPU
   * had been idle (its wake-up was a promise callback still to run): 16 000 yields in 0.3 s of
   * device probing at boot.
   */
  yieldTurn(t: GuestThread): void {
    if (this.runq.length) {
      t.yielding = true;
    } else if (this.waking.size) {
      t.yielding = true;
      this.letWakesFinish = true;
    }
  }

  /** A yield is waiting for woken threads' calls to finish (yieldTurn). */
  private letWakesFinish = false;

  makeRunnable(t: GuestThread): void {
    this.waking.delete(t);
    if (t.state === 'dead') return;
    t.state = 'runnable';
    t.wait = undefined;
    if (!this.runq.includes(t)) this.runq.push(t);
    this.wakeLoop?.();
  }

  /** Block t until `start`'s done callback fires; signals cancel interruptible waits. */
  block(t: GuestThread, what: string, interruptible: boolean,
    start: (done: (result: number) => void) => (() => void) | void): Promise<number> {
    return new Promise<number>((resolve) => {
      let finished = false;
      let stop: (() => void) | void;
      const done = (r: number): void => {
        if (finished) return;
        finished = true;
        if (stop) stop();
        this.waking.add(t);
        resolve(r);
      };
      const w: Wait = { what, interruptible, cancel: done };
      t.wait = w;
      stop = start(done);
      if (finished && stop) stop();
    });
  }

  /** Call fire() at monotonic time `at` (ns), never before; returns a canceller. */
  timer(at: bigint, fire: () => void): () => void {
    if (this.m.clock.virtual) {
      const tm: Timer = { at, fire, cancelled: false };
      this.timers.push(tm);
      this.timers.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return () => { tm.cancelled = true; };
    }
    // Node counts a timeout from its event loop's time, taken when the loop last turned: guest
    // code run since (up to a scheduler turn, ~4 ms) makes it fire that much early. A 1-3 ms
    // nanosleep after 3 ms of work came back after 0.1 ms (images/c/preempt.c), and the vkernel's
    // 100 ms sleeps after 99.3-99.8 ms. So it checks the clock and waits out the rest.
    let h: NodeJS.Timeout;
    const check = (): void => {
      const left = Number(at - this.m.clock.monotonicNs()) / 1e6;
      if (left > 0) h = setTimeout(check, Math.ceil(left));
      else fire();
    };
    const ms = Number(at - this.m.clock.monotonicNs()) / 1e6;
    h = setTimeout(check, Math.max(0, Math.ceil(ms)));
    return () => clearTimeout(h);
  }

  /** Run until the first process exits; resolves to its exit status for the shell. */
  async run(): Promise<number> {
    // When every guest thread waits (on each other, or on a signal from
    // outside), vkemu waits too, as a DragonFly host would: without a handle
    // Node's event loop would drain and end the process with status 0.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      return await this.schedule();
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async schedule(): Promise<number> {
    let lastYield = Date.now();
    while (this.m.exitStatus === undefined) {
      const t = this.runq.shift();
      if (!t) {
        if (this.m.clock.virtual && this.m.pendingHostIo === 0 && this.fireVirtualTimer()) {
          // What the timer woke finishes in promise callbacks: let them run before the next timer
          // (a periodic one is always due next, and would otherwise starve them for ever).
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
          if (this.runq.length) resolve();
        });
        this.wakeLoop = undefined;
        lastYield = Date.now();
        continue;
      }
      if (t.state !== 'runnable') continue;
      if (this.m.debugger && !this.m.debugger.admit(t)) continue;
      this.runThread(t);
      // A thread yielded to the woken ones (yieldTurn): the callbacks that finish their calls are
      // promise reactions, a few hops each, run here without a turn of Node's loop (which would
      // cost a ping-pong between two threads, which never yields, ~20 us a round trip).
      if (this.letWakesFinish) {
        this.letWakesFinish = false;
        for (let hop = 0; hop < 8 && this.waking.size; hop++) await null;
      }
      // Let timers and host I/O in every few ms, even while a thread spins
      // (a run of a spinning thread is a whole ~5 ms slice).
      if (Date.now() - lastYield >= 4) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
    for (const c of this.m.kernel.console) c.restore();
    return this.m.exitStatus;
  }

  private fireDueTimers(): void {
    const now = this.m.clock.monotonicNs();
    while (this.timers.length && this.timers[0].at <= now) {
      const tm = this.timers.shift()!;
      if (!tm.cancelled) tm.fire();
    }
  }

  private fireVirtualTimer(): boolean {
    while (this.timers.length) {
      const tm = this.timers.shift()!;
      if (tm.cancelled) continue;
      (this.m.clock as VirtualClock).advanceTo(tm.at);
      tm.fire();
      return true;
    }
    return false;
  }

  private runThread(t: GuestThread): void {
    const m = this.m;
    for (let calls = 0; calls < 4096; calls++) {
      // A stopped process's threads leave the run queue; SIGCONT puts them back.
      if (t.state !== 'runnable' || t.proc.state !== 'running' || t.proc.stopped) return;
      if (m.debugger && !m.debugger.admit(t)) return;
      if (t.vm) {
        // A caught signal interrupts the guest context: exit with trapno 0,
        // then the handler runs in vkernel context (§2.5).
        if (signalWaiting(t)) this.leaveVmspace(t, 0, 0, 0n, false);
      }
      if (!t.vm) deliverSignals(m, t);
      if (t.state !== 'runnable' || t.proc.state !== 'running' || t.proc.stopped) return;
      const dbg = m.debugger;
      if (dbg && !dbg.admit(t)) return;
      const budget = dbg?.budget(t) ?? m.slice;
      // CPU interval timers (ITIMER_VIRTUAL/PROF) are charged only while one runs.
      const itimers = t.proc.itimers?.cpuArmed ? t.proc.itimers : undefined;
      const ran0 = itimers ? m.clock.monotonicNs() : 0n;
      // The engine may enter and leave guest contexts itself (a vkernel's guest system calls and
      // page faults) when nothing here would have acted in between: no signal pending, no
      // debugger, tracer, CPU timer or virtual clock.
      t.u32[2 * Reg.CTX_FAST] = t.proc.vkernel && !dbg && !m.tracer && !itimers && !m.clock.virtual &&
        t.pending === 0n && t.proc.pending === 0n ? 1 : 0;
      // Looked up each time: execve and vmspace_ctl change the address space.
      const reason = (t.vm?.space ?? t.proc.space).run(t.cpu, budget);
      if (m.clock.virtual) {
        m.clock.advance(BigInt(m.slice) / 4n);
        // Timers fall due on the virtual clock while threads run too (a spinning guest still gets its SIGALRM).
        if (this.timers.length && this.timers[0].at <= m.clock.monotonicNs()) this.fireDueTimers();
      }
      itimers?.charge(m.clock.monotonicNs() - ran0, 0n);
      if (dbg) {
        if (reason === Exit.Stop) {
          dbg.hit(t);
          return;
        }
        dbg.ran(t, reason);
      }
      if (t.vm && reason !== Exit.Budget) {
        this.vmspaceExit(t, reason);
        continue;
      }
      switch (reason) {
        case Exit.Syscall: {
          if (m.clock.virtual) m.clock.advance(1000n);
          const sys0 = itimers ? m.clock.monotonicNs() : 0n;
          const r = this.syscall(t);
          itimers?.charge(0n, m.clock.monotonicNs() - sys0);
          if (r === BLOCKED) return;
          if (t.yielding) {
            t.yielding = false;
            if (t.state === 'runnable') this.runq.push(t);
            return;
          }
          break;
        }
        case Exit.Budget:
          // A debugger's single step ends here: the next admit reports it.
          if (dbg?.budget(t) === 1) continue;
          t.slices++;
          this.runq.push(t);
          return;
        case Exit.Fault: {
          const addr = t.regs[Reg.EXIT_ADDR];
          const present = t.regs[Reg.EXIT_PRESENT] !== 0n;
          trapSignal(m, t, SIG.SIGSEGV, present ? 2 : 1, addr, T.PAGEFLT, pfErr(t));
          break;
        }
        case Exit.Exception: {
          const vec = Number(t.regs[Reg.EXIT_VECTOR]);
          const { sig, code } = signalOfVector(vec);
          trapSignal(m, t, sig, code, vec === 13 ? 0n : t.get(Reg.RIP), trapOfVector(vec), 0);
          break;
        }
        case Exit.Halt:
          trapSignal(m, t, SIG.SIGBUS, 3, 0n, T.PROTFLT, 0);
          break;
        default:
          m.log(`vkemu: engine error ${t.regs[Reg.EXIT_ERROR]} in ${t.label} at rip 0x${t.get(Reg.RIP).toString(16)}`);
          trapSignal(m, t, SIG.SIGILL, 0, t.get(Reg.RIP), T.PRIVINFLT, 0);
      }
    }
    if (t.state === 'runnable') this.runq.push(t);
  }

  /** An exit of a guest context: the trapframe goes back to the vkernel (§2.5). */
  private vmspaceExit(t: GuestThread, reason: Exit): void {
    switch (reason) {
      case Exit.Syscall:
        this.leaveVmspace(t, T.FAST_SYSCALL, 2, 0n, true);
        return;
      case Exit.Fault:
        this.leaveVmspace(t, T.PAGEFLT, pfErr(t), t.regs[Reg.EXIT_ADDR], false);
        return;
      case Exit.Exception: {
        const vec = Number(t.regs[Reg.EXIT_VECTOR]);
        if (vec === 1 || vec === 3) t.set(Reg.RFLAGS, t.get(Reg.RFLAGS) & ~0x100n);
        this.leaveVmspace(t, trapOfVector(vec), 0, 0n, false);
        return;
      }
      default:
        this.leaveVmspace(t, T.PROTFLT, 0, 0n, false);
    }
  }

  private leaveVmspace(t: GuestThread, trapno: number, err: number, addr: bigint, syscall: boolean): void {
    const r = exitVmspace(t, trapno, err, addr, syscall);
    this.m.tracer?.note(t, `vmspace_ctl: exit trapno ${trapno} err ${err} addr 0x${addr.toString(16)}`);
    this.finishSyscall(t, r);
  }

  private syscall(t: GuestThread): SyscallResult | typeof BLOCKED {
    let r: SyscallResult | Promise<SyscallResult>;
    try {
      r = dispatchSyscall(this.m, t);
    } catch (err) {
      // A bug of ours must not take the guest (or vkemu) down: the call fails.
      this.m.warnOnce(`internal:${t.u32[0]}:${(err as Error).message}`,
        `internal error in system call ${t.u32[0]} of ${t.label} (the call fails with EIO): ${(err as Error).stack ?? err}`);
      r = -E.EIO;
    }
    if (r instanceof Promise) {
      t.state = 'blocked';
      r.then((v) => {
        if (t.state === 'dead') {
          this.waking.delete(t);
          return;
        }
        // SA_RESTART: the call runs again after the handler instead of failing (restart.ts).
        this.finishSyscall(t, v === -E.EINTR && restartAfterSignal(t) ? 'justreturn' : v);
        this.makeRunnable(t);
      }, (err: unknown) => {
        this.m.log(`vkemu: internal error in a system call of ${t.label}: ${(err as Error).stack ?? err}`);
        this.finishSyscall(t, -E.EIO);
        this.makeRunnable(t);
      });
      return BLOCKED;
    }
    this.finishSyscall(t, r);
    return r;
  }

  /** Set the registers for a system call's result (DragonFly convention). */
  finishSyscall(t: GuestThread, r: SyscallResult): void {
    const trace = this.m.tracer?.pending(t);
    if (r === 'justreturn') {
      trace?.(r);
      return;
    }
    // Carry flag = error, DragonFly style; done on the low word to stay off BigInt.
    const flags = 2 * Reg.RFLAGS;
    if (typeof r === 'number' && r < 0) {
      t.setNum(Reg.RAX, -r);
      t.u32[flags] |= 1;
    } else {
      if (Array.isArray(r)) {
        t.setNum(Reg.RAX, r[0]);
        t.setNum(Reg.RDX, r[1]);
      } else if (typeof r === 'bigint') {
        t.set(Reg.RAX, r);
      } else {
        t.setNum(Reg.RAX, r);
      }
      t.u32[flags] &= ~1;
    }
    t.u32[2 * Reg.DIRTY] |= 1 << Reg.RFLAGS;
    trace?.(r);
  }

  /** t is gone (endThread): off the run queue. */
  dequeue(t: GuestThread): void {
    this.waking.delete(t);
    const i = this.runq.indexOf(t);
    if (i >= 0) this.runq.splice(i, 1);
  }

  /** Let the loop look again (the first process ended while it waited). */
  wake(): void {
    this.wakeLoop?.();
  }
}

/** The x86 page-fault error code of a fault exit: P, W, U (always), I. */
function pfErr(t: GuestThread): number {
  const access = Number(t.regs[Reg.EXIT_ACCESS]);
  const present = t.regs[Reg.EXIT_PRESENT] !== 0n;
  return (present ? 1 : 0) | (access === 1 ? 2 : 0) | 4 | (access === 2 ? 0x10 : 0);
}
