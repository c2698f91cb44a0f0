// A guest process: its address space, threads, descriptors and signal
// dispositions. Every guest process lives inside the one vkemu host process.
import type { AddressSpace } from '../cpu/engine.js';
import { FdTable } from './files/file.js';
import type { RecordLocks } from './files/reclocks.js';
import { GuestThread } from './thread.js';
import { NSIG } from './abi/signals.js';
import type { ProcessTimers } from './itimer.js';

export interface SigAction { handler: bigint; flags: number; mask: bigint }

export interface Rlimit { cur: bigint; max: bigint }
export const RLIM_INFINITY = 0x7fffffffffffffffn;
/** Default limits (--max-procs, --max-files): live guest processes, and RLIMIT_NOFILE of the first one. */
export const DEFAULT_MAX_PROCS = 1000, DEFAULT_MAX_FILES = 4096;

export type ProcState = 'running' | 'zombie' | 'reaped';

export class Process {
  threads = new Map<number, GuestThread>();
  private nextTid = 1;
  sigactions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: 0n, flags: 0, mask: 0n }));
  /** Process-directed pending signals. */
  pending = 0n;
  state: ProcState = 'running';
  /** wait4 status word once a zombie. */
  status = 0;
  /**
   * vfork: the child runs in its parent's address space until it execs or
   * exits; then `release` lets the parent go on (the space is not the child's to close).
   */
  vforkOf: { parent: Process; release: () => void } | undefined;
  /** O_PATH host descriptor of the cwd while its path is too long for the host (cwd.ts). */
  cwdFd: number | undefined;
  /** Job control: stopped by a stop signal (its threads do not run until SIGCONT). */
  stopped = false;
  /** A stop or continue not yet reported to a waiting parent (WUNTRACED / WCONTINUED). */
  jobReport: { kind: 'stopped'; sig: number } | { kind: 'continued' } | undefined;
  children: Process[] = [];
  pgid: number;
  sid: number;
  umask = 0o022;
  /** Program break (start of the heap after the data segment). */
  brkBase = 0;
  brk = 0;
  /** Where non-fixed mmaps start looking (data segment + maxdsiz). */
  mmapBase = 0;
  exePath = '';
  args: string[] = [];
  rlimits = new Map<number, Rlimit>();
  /** vmspace_create'd address spaces, by the vkernel's opaque id. */
  vmspaces = new Map<bigint, { space: AddressSpace }>();
  /** Set by the first vmspace_create: later calls find a (maybe empty) table. */
  vkernel = false;
  osrel = 500901;
  /** Interval timers, made by the first setitimer (fork does not copy them; exec keeps them). */
  itimers: ProcessTimers | undefined;
  /** chroot(2): the host directory absolute guest paths resolve under (inherited by children). */
  root: string | undefined;
  /** procctl(PROC_REAP_ACQUIRE): this process is a reaper. */
  reaper = false;

  constructor(
    readonly pid: number,
    public parent: Process | undefined,
    public space: AddressSpace,
    public fds: FdTable,
    /** Host directory of the current working directory. */
    public cwd: string,
    /** The Machine's record locks (Kernel.locks). */
    readonly locks: RecordLocks,
  ) {
    this.pgid = parent?.pgid ?? pid;
    attachFds(this, fds);
    this.sid = parent?.sid ?? pid;
  }

  newThread(tid?: number): GuestThread {
    const id = tid ?? this.allocTid();
    const t = new GuestThread(this, id);
    this.threads.set(id, t);
    return t;
  }

  private allocTid(): number {
    for (;;) {
      const tid = this.nextTid++;
      if (this.nextTid >= 0x3fffffff) this.nextTid = 1;
      if (!this.threads.has(tid)) return tid;
    }
  }

  liveThreads(): GuestThread[] {
    return [...this.threads.values()].filter((t) => t.state !== 'dead');
  }
}

function attachFds(p: Process, fds: FdTable): void {
  fds.users.add(p.pid);
  // The engine serves some descriptors itself: from the table its threads name.
  for (const t of p.threads.values()) t.useFiles(fds);
  // POSIX: closing any descriptor of a file drops the process's record locks on it; in a
  // shared table, those of every process using the table (DragonFly's closef does so).
  fds.onClose = (file) => { if (file.lockKey) for (const pid of fds.users) p.locks.drop(pid, file.lockKey); };
}

/** p lets go of its descriptor table (exit): the descriptors close when no other process shares it. */
export function releaseFds(p: Process): void {
  p.fds.users.delete(p.pid);
  if (p.fds.users.size === 0) p.fds.release();
}

/** Give p `fds` as its descriptor table instead of the one it has (released as at exit). */
export function replaceFds(p: Process, fds: FdTable): void {
  if (fds === p.fds) return;
  releaseFds(p);
  p.fds = fds;
  attachFds(p, fds);
}

/** p's own copy of its table when another process shares it (execve, rfork(RFFDG) without RFPROC). */
export function unshareFds(p: Process): void {
  if (p.fds.users.size > 1) replaceFds(p, p.fds.clone());
}
