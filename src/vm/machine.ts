// The emulated DragonFly host: its processes, engine, clock and kernel tables,
// and the operations the rest of vkemu asks of it. The work is done by one file
// per concern: scheduler.ts (run queue, system calls, timers), sigdeliver.ts
// (posting and delivering signals, traps), procexit.ts (exits, orphans),
// exec.ts (execve) and guestpaths.ts (guest <-> host paths).
import fs from 'node:fs';
import path from 'node:path';
import type { AddressSpace, Engine, Exit } from '../cpu/engine.js';
import type { HostOs } from '../host/hostos.js';
import { linuxHost } from '../host/linux.js';
import { HostClock, VirtualClock, type Clock } from './clock.js';
import { execProgram, loadProgram } from './exec.js';
import { FdTable, OpenFile } from './files/file.js';
import { hookFilesOf, type HookFiles } from './files/hookfiles.js';
import { DEFAULT_MAX_FILES, Process } from './process.js';
import { GuestPaths } from './guestpaths.js';
import { endThread, exitProcess, killProcess } from './procexit.js';
import { Scheduler } from './scheduler.js';
import { interrupt, postSignal, trapSignal } from './sigdeliver.js';
import type { GuestRoot } from './rootpath.js';
import type { GuestThread } from './thread.js';
import { Tracer } from './strace.js';
import { Kernel } from './kernel.js';

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
  private nextPid = 100;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Not readonly: the debugger's `monitor strace on|off` switches it. */
  private tracing: Tracer | undefined;
  /** --strace, or gdb's `monitor strace on`: calls served inside the engine would not show, so the clocks stop being. */
  get tracer(): Tracer | undefined {
    return this.tracing;
  }
  set tracer(t: Tracer | undefined) {
    this.tracing = t;
    // The space a vfork child borrowed is the child's until it is handed back.
    for (const p of this.procs.values())
      if (p.state === 'running' && !p.children.some((c) => c.vforkOf?.parent === p)) this.fastCalls(p.space, p.pid);
  }

  /**
   * The calls a process's engine answers itself (AddressSpace.setFast): getpid, and unless traced the
   * host clocks, a virtual kernel's MADV_INVAL and I/O on host files (strace is to show them).
   */
  fastCalls(space: AddressSpace, pid: number): void {
    if (!this.engine.caps.fastGetpid) return;
    space.setFast(pid, true, this.clock instanceof HostClock && !this.tracing ? this.clock.hostOffsetNs : undefined,
      this.engine.caps.fastVkernel && !this.tracing, this.hookFiles !== undefined && !this.tracing);
  }
  /** The engine's mirror of the descriptors it may serve (caps.fastFiles), given to every descriptor table. */
  readonly hookFiles: HookFiles | undefined;
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
  /** wait4 sleepers by parent, told of their children's exits, stops and continues (procexit.childEvent). */
  readonly childWaiters = new Map<Process, Set<() => void>>();
  /** The run queue and the timers (scheduler.ts). */
  readonly sched = new Scheduler(this);
  /** Guest <-> host paths under -L and chroot (guestpaths.ts). */
  private readonly paths: GuestPaths;

  /** The engine runs guest code; the host OS serves devices and files (separate: a KVM engine reuses it). */
  constructor(readonly engine: Engine, readonly opts: MachineOptions = {}, readonly host: HostOs = linuxHost()) {
    this.clock = opts.deterministic ? new VirtualClock() : new HostClock();
    this.hookFiles = engine.caps.fastFiles && engine.hookFiles ? hookFilesOf(engine.hookFiles) : undefined;
    // Synchronous: vkemu exits right after the guest, and pipes must not lose the tail.
    this.log = opts.log ?? ((l) => writeStderr(l + '\n'));
    this.tracer = opts.strace ? new Tracer(this.log) : undefined;
    this.kernel = new Kernel(host);
    this.paths = new GuestPaths(opts.root);
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

  /** Create the first process from a program on the host. */
  spawn(program: string, argv: string[], envp: string[], cwd = process.cwd()): Process {
    const space = this.engine.createSpace();
    const fds = new FdTable(this.opts.maxFiles ?? DEFAULT_MAX_FILES, this.hookFiles);
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
    this.fastCalls(space, p.pid);
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

  // ---- Paths (guestpaths.ts)

  /** p's guest root: its chroot(2) directory, else the -L root (falling back to the host's paths). */
  guestRoot(p: Process | undefined): GuestRoot | undefined {
    return this.paths.guestRoot(p);
  }

  /**
   * Guest path -> host path: under the -L root when the file exists there, under p's chroot
   * only; `follow`: a symlink in the last component is followed, as the call would.
   */
  resolvePath(p: Process | undefined, guest: string, follow = false): string {
    return this.paths.resolve(p, guest, follow);
  }

  /** A program to execute (execve): as resolvePath, but under -L missing when a directory of the root lacks it. */
  resolveProgram(p: Process | undefined, guest: string): string | undefined {
    return this.paths.program(p, guest);
  }

  /** Host path -> the guest's view of it (strips p's chroot, or the -L root). */
  guestPath(host: string, p?: Process): string {
    return this.paths.guestPath(host, p);
  }

  // ---- Scheduling (scheduler.ts)

  /** Run until the first process exits; resolves to its exit status for the shell. */
  run(): Promise<number> {
    return this.sched.run();
  }

  makeRunnable(t: GuestThread): void {
    this.sched.makeRunnable(t);
  }

  /** sched_yield: end t's turn after this call if another thread can run. */
  yieldTurn(t: GuestThread): void {
    this.sched.yieldTurn(t);
  }

  /** Block t until `start`'s done callback fires; signals cancel interruptible waits. */
  block(t: GuestThread, what: string, interruptible: boolean,
    start: (done: (result: number) => void) => (() => void) | void): Promise<number> {
    return this.sched.block(t, what, interruptible, start);
  }

  /** Call fire() at monotonic time `at` (ns); returns a canceller. */
  timer(at: bigint, fire: () => void): () => void {
    return this.sched.timer(at, fire);
  }

  // ---- Signals (sigdeliver.ts)

  /** Post a signal to a process (kill) or one thread (lwp_kill). */
  postSignal(p: Process, sig: number, thread?: GuestThread, senderPid = 0): void {
    postSignal(this, p, sig, thread, senderPid);
  }

  /** A synchronous trap: deliver now; kill if blocked, ignored or undeliverable. */
  trapSignal(t: GuestThread, sig: number, code: number, addr: bigint, trapno: number, err: number): void {
    trapSignal(this, t, sig, code, addr, trapno, err);
  }

  /** Wake a blocked thread so that it can take a signal. */
  interrupt(t: GuestThread): void {
    interrupt(t);
  }

  // ---- Exits and exec (procexit.ts, exec.ts)

  /** End a process with a wait status ((code << 8) or a signal number). */
  exitProcess(p: Process, status: number): void {
    exitProcess(this, p, status);
  }

  killProcess(p: Process, sig: number): void {
    killProcess(this, p, sig);
  }

  endThread(t: GuestThread): void {
    endThread(this, t);
  }

  /** Load a new program into p (execve). Throws ExecError. */
  exec(p: Process, t: GuestThread, path0: string, argv: string[], envp: string[], image?: Buffer): void {
    execProgram(this, p, t, path0, argv, envp, image);
  }
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
