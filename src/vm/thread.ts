// A guest thread (DragonFly LWP): its register file, signal state and what it
// is waiting for.
import { Reg, REG_NAMES, REG_SLOTS, type AddressSpace, type CpuThread } from '../cpu/engine.js';
import type { Process } from './process.js';
import type { FdTable } from './files/file.js';
import type { Sys } from './syscalls/types.js';

const TWO32 = 4294967296;

/** A blocking wait a thread is in; `cancel` ends it early (signal, exit). */
export interface Wait {
  what: string;
  interruptible: boolean;
  /** Ends the wait with this result (negative errno or value). */
  cancel(result: number): void;
}

/** A thread running guest code in a vmspace (vmspace_ctl VMSPACE_CTL_RUN). */
export interface VmRun {
  id: bigint;
  space: AddressSpace;
  /** Where the exit trapframe goes (a vkernel address). */
  tframe: number;
  /** The caller's registers (rax..gs_base) to restore on exit: a view of the thread's CTX_SAVED slots. */
  saved: BigUint64Array;
}

export type ThreadState = 'runnable' | 'blocked' | 'dead';

export class GuestThread {
  readonly regs = new BigUint64Array(REG_SLOTS);
  readonly u32 = new Uint32Array(this.regs.buffer);
  cpu!: CpuThread;
  state: ThreadState = 'runnable';
  wait: Wait | undefined;
  /** Blocked signals (bit sig-1), 128 bits. */
  sigmask = 0n;
  /** Thread-directed pending signals. */
  pending = 0n;
  /** Mask to restore after a sigsuspend's handler runs. */
  suspendMask: bigint | undefined;
  altstack = { sp: 0, size: 0, flags: 4 /* SS_DISABLE */ };
  onAltStack = false;
  tls: [{ base: bigint; size: bigint }, { base: bigint; size: bigint }] = [
    { base: 0n, size: 0n }, { base: 0n, size: 0n },
  ];
  /** extexit(EXTEXIT_SETINT|EXTEXIT_LWP): store `value` at `addr` once gone. */
  exitStore: { addr: number; value: number } | undefined;
  /** The result a finished blocking call left for the thread. */
  resumeResult: number | bigint | undefined;
  name = '';
  /** Signal information for the next delivery of each pending signal. */
  siginfo = new Map<number, { code: number; addr: bigint; pid: number; trapno: number; err: number }>();
  slices = 0;
  /** sched_yield asked to end this thread's turn (Scheduler.yieldTurn). */
  yielding = false;
  private vmRun: VmRun | undefined;
  /** Its system calls' view of arguments (syscalls/dispatch.ts), made at the first one. */
  sys: Sys | undefined;

  constructor(readonly proc: Process, readonly tid: number) {
    this.useFiles(proc.fds);
  }

  /** The descriptor table whose host files the engine may serve for this thread (Reg.FILES). */
  useFiles(fds: FdTable): void {
    this.u32[2 * Reg.FILES] = fds.hookTable % TWO32;
    this.u32[2 * Reg.FILES + 1] = Math.floor(fds.hookTable / TWO32);
  }

  get(r: Reg): bigint {
    return this.regs[r];
  }
  /** A register as a JS number; exact below 2^53 (addresses, small ints). */
  num(r: Reg): number {
    return this.u32[2 * r] + this.u32[2 * r + 1] * TWO32;
  }
  set(r: Reg, v: bigint): void {
    this.regs[r] = BigInt.asUintN(64, v);
    this.u32[2 * Reg.DIRTY] |= 1 << r;
  }
  setNum(r: Reg, v: number): void {
    if (v >= 0 && v < 2 ** 53) {
      this.u32[2 * r] = v >>> 0;
      this.u32[2 * r + 1] = Math.floor(v / TWO32);
    } else {
      this.regs[r] = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    }
    this.u32[2 * Reg.DIRTY] |= 1 << r;
  }
  /**
   * The vmspace the thread runs in on behalf of a virtual kernel, if any: from
   * its register file (Reg.CTX_*), since the engine enters and leaves guest
   * contexts itself too.
   */
  get vm(): VmRun | undefined {
    if (this.u32[2 * Reg.CTX_ACTIVE] === 0) return undefined;  // no BigInt on the common path
    const id = this.regs[Reg.CTX_ID];
    const space = this.proc.vmspaces.get(id)?.space;
    if (!space) return undefined;
    const tframe = this.num(Reg.CTX_TFRAME);
    const c = this.vmRun;
    if (c && c.id === id && c.space === space && c.tframe === tframe) return c;
    return (this.vmRun = { id, space, tframe, saved: this.regs.subarray(Reg.CTX_SAVED, Reg.CTX_SAVED + REG_NAMES.length) });
  }
  get label(): string {
    return `${this.proc.pid}:${this.tid}`;
  }
}
