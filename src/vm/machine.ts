// The emulated DragonFly host: processes, the scheduler that runs their
// threads on the engine, traps and signal delivery.
import fs from 'node:fs';
import path from 'node:path';
import { Exit, Reg, type AddressSpace, type Engine } from '../cpu/engine.js';
import type { HostOs } from '../host/hostos.js';
import { linuxHost } from '../host/linux.js';
import { E } from './abi/errno.js';
import { sigbit, defaultAction, SA_NOCLDSTOP, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_SIGINFO, SIG, STOP_SIGNALS, signalName, signalOfVector, T, trapOfVector } from './abi/signals.js';
import { HostClock, VirtualClock, type Clock } from './clock.js';
import { ExecError, loadProgram } from './exec.js';
import { FdTable, OpenFile } from './files/file.js';
import { DEFAULT_MAX_FILES, Process, releaseFds, unshareFds } from './process.js';
import { pushSigframe } from './sigframe.js';
import { restartAfterSignal } from './restart.js';
import { dropCwd, keepSlash, relativeToCwd } from './cwd.js';
import { realDir, resolveInRoot, startAt, type GuestRoot } from './rootpath.js';
import type { GuestThread, Wait } from './thread.js';
import { dispatchSyscall, type SyscallResult } from './syscalls/dispatch.js';
import { Tracer } from './strace.js';
import { exitVmspace } from './vmspace.js';
import { Kernel } from './kernel.js';
import { autoReaps } from './syscalls/forkexec.js';

export interface MachineOptions {
  /** Guest root (-L): absolute guest paths resolve under it first. */
  root?: string;
  strace?: boolean;
  deterministic?: boolean;
  /** Where vkemu's own messages go (strace, warnings). */
  log?: (line: string) => void;
  /** Instructions per time slice. */
  slice?: number;
  /** Live guest processes at most (fork/vfork fail with EAGAIN beyond; default 1000). */
  maxProcs?: number;
  /** RLIMIT_NOFILE of the first process, soft and hard (default 4096). */
  maxFiles?: number;
}

const SLICE = 200_000;
const BLOCKED = Symbol('blocked');



interface Timer { at: bigint; fire: () => void; cancelled: boolean }

/**
 * A debugger's hold on the scheduler (src/gdb): all-stop control. The
 * scheduler asks before every run of a thread; a thread refused is parked by
 * the debugger, which hands it back with makeRunnable when it resumes it.
 */
export interface MachineDebugger {
  /** Whether t may run now; false: the debugger keeps t until it resumes it. */
  admit(t: GuestThread): boolean;
  /** Instructions for t's next run: 1 while single-stepping, undefined for a normal slice. */
  budget(t: GuestThread): number | undefined;
  /** t ran (count instructions at most) and the run ended with this exit. */
  ran(t: GuestThread, reason: Exit): void;
  /** A breakpoint or watchpoint hook stopped t (Exit.Stop); t is the debugger's now. */
  hit(t: GuestThread): void;
  /** A signal is about to act on t (trap: a synchronous one): true when the debugger takes it. */
  signal(t: GuestThread, sig: number, trap?: TrapInfo): boolean;
  /** p exec'd: its old space (still readable) and the new one, loaded, before p runs. */
  execed(p: Process, old: AddressSpace, now: AddressSpace): void;
}

/** A synchronous trap, as trapSignal takes it: redelivered as is when the debugger passes it. */
export interface TrapInfo { code: number; addr: bigint; trapno: number; err: number }

export class Machine {
  readonly procs = new Map<number, Process>();
  private runq: GuestThread[] = [];
  private nextPid = 100;
  private wakeLoop: (() => void) | undefined;
  readonly clock: Clock;
  private timers: Timer[] = [];
  readonly log: (line: string) => void;
  /** Not readonly: the debugger's `monitor strace on|off` switches it. */
  tracer: Tracer | undefined;
  private readonly warned = new Set<string>();
  init: Process | undefined;
  exitStatus: number | undefined;
  /** The tables system calls share across processes (varsyms, record locks, FIFOs, knotes, the console...). */
  readonly kernel: Kernel;
  readonly slice: number;
  readonly bootNs: bigint;
  /** Host I/O still under way (async reads): the loop must wait, not stop. */
  pendingHostIo = 0;
  /** Set while a debugger is attached (src/gdb): it may hold threads. */
  debugger: MachineDebugger | undefined;

  /** The engine runs guest code; the host OS serves devices and files (separate: a KVM engine reuses it). */
  constructor(readonly engine: Engine, readonly opts: MachineOptions = {}, readonly host: HostOs = linuxHost()) {
    this.clock = opts.deterministic ? new VirtualClock() : new HostClock();
    // Synchronous: vkemu exits right after the guest, and pipes must not lose the tail.
    this.log = opts.log ?? ((l) => writeStderr(l + '\n'));
    this.tracer = opts.strace ? new Tracer(this.log) : undefined;
    this.kernel = new Kernel(host);
    // Deterministic runs slice by instruction count (exact, but Unicorn's count costs
    // ~40x); others run unbounded and the native watchdog ends a slice after ~5 ms.
    this.slice = opts.slice ?? (process.env.VKEMU_SLICE !== undefined ? Number(process.env.VKEMU_SLICE)
      : opts.deterministic ? SLICE : 0);
    this.bootNs = this.clock.realtimeNs();
    if (this.slice > 0 && !engine.caps.countedRuns) throw new Error(`vkemu: the ${engine.name} engine cannot count instructions (--deterministic, VKEMU_SLICE)`);
  }

  /** Log a message once per key (unsupported calls and the like). */
  warnOnce(key: string, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log(`vkemu: ${msg}`);
  }

  /** p's guest root: its chroot(2) directory, else the -L root (falling back to the host's paths). */
  guestRoot(p: Process | undefined): GuestRoot | undefined {
    if (p?.root) return { dir: p.root, fallback: false };
    if (this.opts.root === undefined) return undefined;
    // Real path: a cwd the host hands back (process.cwd(), /proc/self/fd links) never goes through a symlink.
    this.lRoot ??= { dir: realDir(this.opts.root), fallback: true };
    return this.lRoot;
  }
  private lRoot: GuestRoot | undefined;

  /**
   * Guest path -> host path: under the -L root when the file exists there, under p's
   * chroot only. With a root, vkemu follows the symlinks itself (src/vm/rootpath.ts);
   * `follow` says whether a link in the last component is followed, as the call would.
   */
  resolvePath(p: Process | undefined, guest: string, follow = false): string {
    const root = this.guestRoot(p);
    if (guest.startsWith('/')) return root ? resolveInRoot(root, guest, undefined, follow) : guest;
    if (!p) return keepSlash(guest, path.resolve(process.cwd(), guest));
    // A cwd inside the root is walked from; one outside it (a host directory under -L) is the host's.
    const start = root && startAt(root, p.cwd, p.cwdFd !== undefined ? `/proc/self/fd/${p.cwdFd}` : p.cwd);
    return root && start ? resolveInRoot(root, guest, start, follow) : relativeToCwd(p, guest);
  }

  /**
   * A program to execute: like resolvePath, except that under -L a program
   * missing from a directory the root has is missing (undefined, ENOENT). A shell
   * walking PATH must go on from /bin/find to /usr/bin/find, not run the Linux
   * program of the same name.
   */
  resolveProgram(p: Process | undefined, guest: string): string | undefined {
    const host = this.resolvePath(p, guest, true);
    const root = this.guestRoot(p);
    if (!root?.fallback || !guest.startsWith('/')) return host;
    if (host.startsWith(root.dir + '/') || !fs.existsSync(path.join(root.dir, path.dirname(guest)))) return host;
    return undefined;
  }

  /** Host path -> the guest's view of it (strips p's chroot, or the -L root). */
  guestPath(host: string, p?: Process): string {
    const r = this.guestRoot(p)?.dir;
    if (r !== undefined) {
      if (host === r) return '/';
      if (host.startsWith(r + '/')) return host.slice(r.length);
    }
    return host;
  }

  /** Create the first process from a program on the host. */
  spawn(program: string, argv: string[], envp: string[], cwd = process.cwd()): Process {
    const space = this.engine.createSpace();
    const fds = new FdTable(this.opts.maxFiles ?? DEFAULT_MAX_FILES);
    for (let fd = 0; fd < 3; fd++) fds.put(fd, new OpenFile(this.kernel.console[fd], fd === 0 ? 0 : 1));
    const p = new Process(this.allocPid(), undefined, space, fds, cwd, this.kernel.locks);
    if (this.opts.maxFiles !== undefined) p.rlimits.set(8, { cur: BigInt(fds.limit), max: BigInt(fds.limit) });
    this.procs.set(p.pid, p);
    const t = p.newThread();
    t.cpu = this.engine.createThread(space, t.regs);
    const hostPath = this.resolvePath(p, program, true);
    loadProgram(p, t, {
      hostPath, guestPath: program.startsWith('/') ? program : path.resolve(cwd, program),
      argv, envp, resolve: (g) => this.resolvePath(p, g, true),
      randomGap: this.opts.deterministic ? 0 : Math.floor(Math.random() * 1024),
    });
    if (this.engine.caps.fastGetpid) space.setFast(p.pid, true);
    // The first process's session has the user's terminal as its controlling tty.
    if (this.init === undefined) this.kernel.terminal.leader = p;
    this.init ??= p;
    this.makeRunnable(t);
    return p;
  }

  allocPid(): number {
    for (;;) {
      const pid = this.nextPid++;
      if (this.nextPid > 99999) this.nextPid = 100;
      if (!this.procs.has(pid)) return pid;
    }
  }

  makeRunnable(t: GuestThread): void {
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
        resolve(r);
      };
      const w: Wait = { what, interruptible, cancel: done };
      t.wait = w;
      stop = start(done);
      if (finished && stop) stop();
    });
  }

  /** Call fire() at monotonic time `at` (ns); returns a canceller. */
  timer(at: bigint, fire: () => void): () => void {
    if (this.clock.virtual) {
      const tm: Timer = { at, fire, cancelled: false };
      this.timers.push(tm);
      this.timers.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return () => { tm.cancelled = true; };
    }
    const ms = Number(at - this.clock.monotonicNs()) / 1e6;
    const h = setTimeout(fire, Math.max(0, ms));
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
    while (this.exitStatus === undefined) {
      const t = this.runq.shift();
      if (!t) {
        if (this.clock.virtual && this.pendingHostIo === 0 && this.fireVirtualTimer()) {
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
      if (this.debugger && !this.debugger.admit(t)) continue;
      this.runThread(t);
      // Let timers and host I/O in every few ms, even while a thread spins
      // (a run of a spinning thread is a whole ~5 ms slice).
      if (Date.now() - lastYield >= 4) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
    for (const c of this.kernel.console) c.restore();
    return this.exitStatus;
  }

  private fireDueTimers(): void {
    const now = this.clock.monotonicNs();
    while (this.timers.length && this.timers[0].at <= now) {
      const tm = this.timers.shift()!;
      if (!tm.cancelled) tm.fire();
    }
  }

  private fireVirtualTimer(): boolean {
    while (this.timers.length) {
      const tm = this.timers.shift()!;
      if (tm.cancelled) continue;
      (this.clock as VirtualClock).advanceTo(tm.at);
      tm.fire();
      return true;
    }
    return false;
  }

  private runThread(t: GuestThread): void {
    for (let calls = 0; calls < 4096; calls++) {
      // A stopped process's threads leave the run queue; SIGCONT puts them back.
      if (t.state !== 'runnable' || t.proc.state !== 'running' || t.proc.stopped) return;
      if (this.debugger && !this.debugger.admit(t)) return;
      if (t.vm) {
        // A caught signal interrupts the guest context: exit with trapno 0,
        // then the handler runs in vkernel context (§2.5).
        if (this.signalWaiting(t)) this.leaveVmspace(t, 0, 0, 0n, false);
      }
      if (!t.vm) this.deliverSignals(t);
      if (t.state !== 'runnable' || t.proc.state !== 'running' || t.proc.stopped) return;
      const dbg = this.debugger;
      if (dbg && !dbg.admit(t)) return;
      const budget = dbg?.budget(t) ?? this.slice;
      // CPU interval timers (ITIMER_VIRTUAL/PROF) are charged only while one runs.
      const itimers = t.proc.itimers?.cpuArmed ? t.proc.itimers : undefined;
      const ran0 = itimers ? this.clock.monotonicNs() : 0n;
      // Looked up each time: execve and vmspace_ctl change the address space.
      const reason = (t.vm?.space ?? t.proc.space).run(t.cpu, budget);
      if (this.clock.virtual) {
        this.clock.advance(BigInt(this.slice) / 4n);
        // Timers fall due on the virtual clock while threads run too (a spinning guest still gets its SIGALRM).
        if (this.timers.length && this.timers[0].at <= this.clock.monotonicNs()) this.fireDueTimers();
      }
      itimers?.charge(this.clock.monotonicNs() - ran0, 0n);
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
          if (this.clock.virtual) this.clock.advance(1000n);
          const sys0 = itimers ? this.clock.monotonicNs() : 0n;
          const r = this.syscall(t);
          itimers?.charge(0n, this.clock.monotonicNs() - sys0);
          if (r === BLOCKED) return;
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
          this.trapSignal(t, SIG.SIGSEGV, present ? 2 : 1, addr, T.PAGEFLT, pfErr(t));
          break;
        }
        case Exit.Exception: {
          const vec = Number(t.regs[Reg.EXIT_VECTOR]);
          const { sig, code } = signalOfVector(vec);
          this.trapSignal(t, sig, code, vec === 13 ? 0n : t.get(Reg.RIP), trapOfVector(vec), 0);
          break;
        }
        case Exit.Halt:
          this.trapSignal(t, SIG.SIGBUS, 3, 0n, T.PROTFLT, 0);
          break;
        default:
          this.log(`vkemu: engine error ${t.regs[Reg.EXIT_ERROR]} in ${t.label} at rip 0x${t.get(Reg.RIP).toString(16)}`);
          this.trapSignal(t, SIG.SIGILL, 0, t.get(Reg.RIP), T.PRIVINFLT, 0);
      }
    }
    if (t.state === 'runnable') this.runq.push(t);
  }

  /** Whether a signal would run a handler on t now (it must leave its vmspace first). */
  private signalWaiting(t: GuestThread): boolean {
    const ready = (t.pending | t.proc.pending) & ~t.sigmask;
    return ready !== 0n;
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
    this.tracer?.note(t, `vmspace_ctl: exit trapno ${trapno} err ${err} addr 0x${addr.toString(16)}`);
    this.finishSyscall(t, r);
  }

  private syscall(t: GuestThread): SyscallResult | typeof BLOCKED {
    let r: SyscallResult | Promise<SyscallResult>;
    try {
      r = dispatchSyscall(this, t);
    } catch (err) {
      // A bug of ours must not take the guest (or vkemu) down: the call fails.
      this.warnOnce(`internal:${t.u32[0]}:${(err as Error).message}`,
        `internal error in system call ${t.u32[0]} of ${t.label} (the call fails with EIO): ${(err as Error).stack ?? err}`);
      r = -E.EIO;
    }
    if (r instanceof Promise) {
      t.state = 'blocked';
      r.then((v) => {
        if (t.state === 'dead') return;
        // SA_RESTART: the call runs again after the handler instead of failing (restart.ts).
        this.finishSyscall(t, v === -E.EINTR && restartAfterSignal(t) ? 'justreturn' : v);
        this.makeRunnable(t);
      }, (err: unknown) => {
        this.log(`vkemu: internal error in a system call of ${t.label}: ${(err as Error).stack ?? err}`);
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
    const trace = this.tracer?.pending(t);
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

  /** A synchronous trap: deliver now; kill if blocked, ignored or undeliverable. */
  trapSignal(t: GuestThread, sig: number, code: number, addr: bigint, trapno: number, err: number): void {
    if (this.debugger?.signal(t, sig, { code, addr, trapno, err })) return;
    const act = t.proc.sigactions[sig];
    const blocked = (t.sigmask & sigbit(sig)) !== 0n;
    if (act.handler === 0n || act.handler === 1n || blocked) {
      this.describeFault(t, sig, addr, trapno);
      this.killProcess(t.proc, sig);
      return;
    }
    t.siginfo.set(sig, { code, addr, pid: 0, trapno, err });
    this.deliver(t, sig);
  }

  private describeFault(t: GuestThread, sig: number, addr: bigint, trapno: number): void {
    const rip = t.get(Reg.RIP).toString(16);
    const where = trapno === T.PAGEFLT ? ` accessing 0x${addr.toString(16)}` : '';
    this.log(`vkemu: ${t.proc.exePath} (pid ${t.proc.pid}, lwp ${t.tid}): ${signalName(sig)} at rip 0x${rip}${where} (trap ${trapno})`);
  }

  /** Post a signal to a process (kill) or one thread (lwp_kill). */
  postSignal(p: Process, sig: number, thread?: GuestThread, senderPid = 0): void {
    if (sig === 0 || p.state !== 'running') return;
    this.kernel.knotes.signalEvent(p, sig);
    if (sig === SIG.SIGKILL) {
      this.killProcess(p, sig);
      return;
    }
    // Job control: SIGCONT continues a stopped process (whatever its handler)
    // and cancels pending stops; a stop signal cancels a pending SIGCONT.
    if (sig === SIG.SIGCONT) {
      p.pending &= ~STOP_SIGNALS;
      for (const x of p.threads.values()) x.pending &= ~STOP_SIGNALS;
      if (p.stopped) this.continueProcess(p);
    } else if (sigbit(sig) & STOP_SIGNALS) {
      p.pending &= ~sigbit(SIG.SIGCONT);
    }
    const act = p.sigactions[sig];
    // Ignored signals are discarded; SIGCONT's default (continue) is done above.
    if (act.handler === 1n || (act.handler === 0n && (defaultAction(sig) === 'ignore' || sig === SIG.SIGCONT))) return;
    const target = thread ?? [...p.threads.values()].find((x) => x.state !== 'dead' && !(x.sigmask & sigbit(sig)));
    // A stop with its default action stops the process now, without
    // interrupting its system calls (they go on after SIGCONT).
    if (act.handler === 0n && sigbit(sig) & STOP_SIGNALS && target && !this.debugger) {
      this.stopProcess(p, sig);
      return;
    }
    if (thread) thread.pending |= sigbit(sig);
    else p.pending |= sigbit(sig);
    // Kept by the thread that will take it; a signal every thread blocks waits with the first (sigwait takes it there).
    const keeper = target ?? thread ?? p.liveThreads()[0];
    if (senderPid) keeper?.siginfo.set(sig, { code: 0, addr: 0n, pid: senderPid, trapno: 0, err: 0 });
    if (target && !(target.sigmask & sigbit(sig))) this.interrupt(target);
  }

  /** Default action of a stop signal: no thread of p runs until SIGCONT; the parent hears of it. */
  stopProcess(p: Process, sig: number): void {
    if (p.stopped || p.state !== 'running') return;
    p.stopped = true;
    p.jobReport = { kind: 'stopped', sig };
    const parent = p.parent;
    if (parent && parent.state === 'running') {
      if (!(parent.sigactions[SIG.SIGCHLD].flags & SA_NOCLDSTOP)) this.postSignal(parent, SIG.SIGCHLD);
      this.childEvent(parent);
    }
  }

  continueProcess(p: Process): void {
    if (!p.stopped) return;
    p.stopped = false;
    p.jobReport = { kind: 'continued' };
    for (const t of p.threads.values()) if (t.state === 'runnable') this.makeRunnable(t);
    if (p.parent && p.parent.state === 'running') this.childEvent(p.parent);
  }

  /** Wake a blocked thread so that it can take a signal. */
  interrupt(t: GuestThread): void {
    if (t.state === 'blocked' && t.wait?.interruptible) {
      t.wait.cancel(-E.EINTR);
    }
  }

  /** Deliver at most one deliverable pending signal to t (before it runs). */
  deliverSignals(t: GuestThread): void {
    const p = t.proc;
    const ready = (t.pending | p.pending) & ~t.sigmask;
    if (ready === 0n) return;
    for (let sig = 1; sig <= 128; sig++) {
      const bit = sigbit(sig);
      if (!(ready & bit)) continue;
      if (t.pending & bit) t.pending &= ~bit;
      else p.pending &= ~bit;
      const act = p.sigactions[sig];
      if (act.handler === 1n) continue;
      const d = defaultAction(sig);
      if (act.handler === 0n && (d === 'ignore' || d === 'cont')) continue;
      if (this.debugger?.signal(t, sig)) return;
      if (act.handler === 0n && d === 'stop') {
        this.stopProcess(p, sig);
        return;
      }
      if (act.handler === 0n) {
        this.killProcess(p, sig);
        return;
      }
      this.deliver(t, sig);
      return;
    }
  }

  private deliver(t: GuestThread, sig: number): void {
    const p = t.proc;
    const act = p.sigactions[sig];
    const info = t.siginfo.get(sig) ?? { code: 0, addr: 0n, pid: 0, trapno: 0, err: 0 };
    t.siginfo.delete(sig);
    const restoreMask = t.suspendMask ?? t.sigmask;
    t.suspendMask = undefined;
    const useAlt = (act.flags & SA_ONSTACK) !== 0 && !(t.altstack.flags & 4) && !t.onAltStack && t.altstack.size > 0;
    const ok = pushSigframe(t, {
      sig, handler: act.handler, siginfo: (act.flags & SA_SIGINFO) !== 0, code: info.code, addr: info.addr,
      pid: info.pid, trapno: info.trapno, err: info.err, restoreMask, useAltStack: useAlt,
    });
    if (!ok) {
      this.log(`vkemu: ${p.exePath} (pid ${p.pid}): cannot push a frame for ${signalName(sig)} on the stack at 0x${t.get(Reg.RSP).toString(16)}`);
      this.killProcess(p, SIG.SIGILL);
      return;
    }
    this.tracer?.signal(t, sig, info.code, info.addr);
    t.sigmask = restoreMask | act.mask | ((act.flags & SA_NODEFER) ? 0n : sigbit(sig));
    if (act.flags & SA_RESETHAND) p.sigactions[sig] = { handler: 0n, flags: 0, mask: 0n };
  }

  killProcess(p: Process, sig: number): void {
    this.exitProcess(p, sig & 0x7f);
  }

  /** End a process with a wait status ((code << 8) or a signal number). */
  exitProcess(p: Process, status: number): void {
    if (p.state !== 'running') return;
    p.state = 'zombie';
    p.status = status;
    this.kernel.knotes.procExitEvent(p.pid, status);
    p.itimers?.stop();
    this.kernel.locks.drop(p.pid);
    for (const t of p.threads.values()) this.endThread(t);
    releaseFds(p);
    for (const vs of p.vmspaces.values()) vs.space.close();
    p.vmspaces.clear();
    dropCwd(p);
    if (p.vforkOf) p.vforkOf.release();
    else if (!p.children.some((c) => c.vforkOf?.parent === p)) p.space.close();
    const parent = p.parent;
    if (parent && parent.state === 'running' && !autoReaps(parent)) {
      this.postSignal(parent, SIG.SIGCHLD);
      this.childEvent(parent);
    } else {
      if (parent) parent.children = parent.children.filter((c) => c !== p);
      this.procs.delete(p.pid);
      p.state = 'reaped';
    }
    this.orphan(p);
    if (p === this.init) {
      const sig = status & 0x7f;
      this.exitStatus = sig ? 128 + sig : (status >> 8) & 0xff;
      if (sig) this.log(`vkemu: ${p.exePath} killed by ${signalName(sig)}`);
      this.wakeLoop?.();
    }
  }

  /** p's children lose their parent: the nearest reaper above p (procctl PROC_REAP_ACQUIRE) adopts them. */
  private orphan(p: Process): void {
    let reaper = p.parent;
    while (reaper && !(reaper.reaper && reaper.state === 'running')) reaper = reaper.parent;
    for (const c of p.children) {
      c.parent = reaper;
      if (!reaper) continue;
      reaper.children.push(c);
      if (c.state === 'zombie') {
        this.postSignal(reaper, SIG.SIGCHLD);
        this.childEvent(reaper);
      }
    }
    p.children = [];
  }

  /** Hook for wait4 sleepers. */
  childWaiters = new Map<Process, Set<() => void>>();
  childEvent(parent: Process): void {
    const ws = this.childWaiters.get(parent);
    if (ws) for (const w of [...ws]) w();
  }

  endThread(t: GuestThread): void {
    if (t.state === 'dead') return;
    if (t.state === 'blocked') t.wait?.cancel(-E.EINTR);
    t.state = 'dead';
    const i = this.runq.indexOf(t);
    if (i >= 0) this.runq.splice(i, 1);
    if (t.exitStore) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(t.exitStore.value, 0);
      t.proc.space.write(t.exitStore.addr, b);
    }
    t.proc.threads.delete(t.tid);
  }

  /** Load a new program into p (execve). Throws ExecError. */
  exec(p: Process, t: GuestThread, path0: string, argv: string[], envp: string[]): void {
    const hostPath = this.resolveProgram(p, path0);
    if (hostPath === undefined) throw new ExecError(2, `${path0}: not in the guest root ${this.opts.root}`);
    // AT_EXECPATH and kern.proc.pathname name the program absolutely.
    const guestPath = path0.startsWith('/') ? path0 : path.resolve(this.guestPath(p.cwd, p), path0);
    const space = this.engine.createSpace();
    const old = p.space;
    p.space = space;
    const cpu = this.engine.createThread(space, t.regs);
    try {
      loadProgram(p, t, {
        hostPath, guestPath, argv, envp, resolve: (g) => this.resolvePath(p, g, true),
        randomGap: this.opts.deterministic ? 0 : Math.floor(Math.random() * 1024),
      });
    } catch (e) {
      space.close();
      p.space = old;
      throw e;
    }
    for (const other of p.threads.values()) if (other !== t) this.endThread(other);
    t.cpu = cpu;
    this.debugger?.execed(p, old, space);
    // A vfork child hands the borrowed space back to its parent instead.
    if (p.vforkOf) p.vforkOf.release();
    else old.close();
    if (this.engine.caps.fastGetpid) space.setFast(p.pid, true);
    // A table shared with another process (rfork without RFFDG) is not shared past exec.
    unshareFds(p);
    p.fds.closeOnExec();
    for (const a of p.sigactions) if (a.handler > 1n) { a.handler = 0n; a.flags = 0; a.mask = 0n; }
    t.altstack = { sp: 0, size: 0, flags: 4 };
    t.onAltStack = false;
    t.tls = [{ base: 0n, size: 0n }, { base: 0n, size: 0n }];
  }
}

export { ExecError, BLOCKED };

/** The x86 page-fault error code of a fault exit: P, W, U (always), I. */
function pfErr(t: GuestThread): number {
  const access = Number(t.regs[Reg.EXIT_ACCESS]);
  const present = t.regs[Reg.EXIT_PRESENT] !== 0n;
  return (present ? 1 : 0) | (access === 1 ? 2 : 0) | 4 | (access === 2 ? 0x10 : 0);
}

function writeStderr(s: string): void {
  const b = Buffer.from(s);
  for (let off = 0; off < b.length;) {
    try {
      off += fs.writeSync(2, b, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}
