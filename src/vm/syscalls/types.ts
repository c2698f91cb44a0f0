// System-call definitions: a table of these is the whole dispatcher.
import { Reg } from '../../cpu/engine.js';
import type { Machine } from '../machine.js';
import type { GuestThread } from '../thread.js';
import type { Process } from '../process.js';

/** rax value, -errno, [rax, rdx], or 'justreturn' (registers already set). */
export type SyscallResult = number | bigint | [number, number] | 'justreturn';
export type Handler = (s: Sys) => SyscallResult | Promise<SyscallResult>;

/**
 * Argument kinds, for the tracer: int, uint, hex, ptr, fd, path, buf (input
 * bytes, length in the next argument), obuf (output bytes, length = result),
 * size, off, oflags, mode, prot, mflags, sig, how, clock, whence, fcntl, at, str.
 */
export type ArgKind = 'int' | 'uint' | 'hex' | 'ptr' | 'fd' | 'path' | 'buf' | 'obuf' | 'size' | 'off' |
  'oflags' | 'mode' | 'prot' | 'mflags' | 'sig' | 'how' | 'clock' | 'whence' | 'fcntl' | 'at' | 'str';

/** gVisor-style support levels; 'refused': always fails with `errno`, for the reason in `note`. */
export type Support = 'full' | 'partial' | 'refused';

export interface SyscallDef {
  num: number;
  name: string;
  args: ArgKind[];
  /** How the result is shown: int (default), hex (addresses), void. */
  ret?: 'int' | 'hex' | 'void';
  support: Support;
  /** The errno of a refused call. */
  errno?: number;
  note?: string;
  fn: Handler;
}

const ARG_REGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9];

/** Argument access for one system call of one thread (reused across calls). */
export class Sys {
  /** 1 for the indirect syscall(0)/__syscall(198) forms. */
  shift = 0;
  constructor(readonly m: Machine, readonly t: GuestThread) {}
  get p(): Process {
    return this.t.proc;
  }
  /** Argument i as an unsigned 64-bit value. */
  raw(i: number): bigint {
    const j = i + this.shift;
    if (j < 6) return this.t.regs[ARG_REGS[j]];
    const b = this.p.space.read(this.t.num(Reg.RSP) + 8 + (j - 6) * 8, 8);
    return b ? b.readBigUInt64LE(0) : 0n;
  }
  /** Low 32 bits, signed. */
  int(i: number): number {
    const j = i + this.shift;
    if (j < 6) return this.t.u32[2 * ARG_REGS[j]] | 0;
    return Number(BigInt.asIntN(32, this.raw(i)));
  }
  uint(i: number): number {
    return this.int(i) >>> 0;
  }
  /** An address or size: exact below 2^53; larger values come out huge (and fail checks). */
  ptr(i: number): number {
    const j = i + this.shift;
    if (j < 6) return this.t.u32[2 * ARG_REGS[j]] + this.t.u32[2 * ARG_REGS[j] + 1] * 4294967296;
    return Number(this.raw(i));
  }
  /** Signed 64-bit as a number (offsets). */
  long(i: number): number {
    return Number(BigInt.asIntN(64, this.raw(i)));
  }
}
