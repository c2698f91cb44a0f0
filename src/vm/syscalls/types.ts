// System-call definitions: a table of these is the whole dispatcher.
import { Reg } from '../../cpu/engine.js';
import type { Machine } from '../machine.js';
import type { GuestThread } from '../thread.js';
import type { Process } from '../process.js';
import type { Kernel } from '../kernel.js';

/** rax value, -errno, [rax, rdx], or 'justreturn' (registers already set). */
export type SyscallResult = number | bigint | [number, number] | 'justreturn';
export type Handler = (s: Sys) => SyscallResult | Promise<SyscallResult>;

/**
 * Argument kinds, for the tracer: int, uint, hex, ptr, fd, path, buf (input
 * bytes, length in the next argument), obuf (output bytes, length = result),
 * size, off, oflags, mode, prot, mflags, sig, how, clock, whence, fcntl, at, str.
 */
export type ArgKind = 'int' | 'uint' | 'hex' | 'ptr' | 'fd' | 'path' | 'buf' | 'obuf' | 'size' | 'off' | 'ioctl' |
  'oflags' | 'mode' | 'prot' | 'mflags' | 'sig' | 'how' | 'clock' | 'whence' | 'fcntl' | 'at' | 'str';

/**
 * How vkemu answers a number, gVisor-style: served fully or in part, refused
 * (always the same errno, for the reason in the note), or a number DragonFly
 * 5.9 itself has no call for: obsolete, unimplemented, or reserved for
 * loadable calls (ENOSYS, logged once).
 */
export type Support = 'full' | 'partial' | 'refused' | 'obsol' | 'unimpl' | 'nodef';

/** How the tracer shows a result: int (default), hex (addresses), void. */
export type Ret = 'int' | 'hex' | 'void';

/** One row of the system-call table (table.ts). */
export interface SyscallDef {
  num: number;
  /** The call's name; for numbers without a call, syscalls.master's description. */
  name: string;
  /** Argument kinds for the tracer; undefined: unknown (the tracer shows three raw registers). */
  args: readonly ArgKind[] | undefined;
  ret: Ret;
  support: Support;
  /** The errno of a refused call (0 otherwise). */
  errno: number;
  note: string | undefined;
  /** Undefined for refused calls and numbers without a call. */
  fn: Handler | undefined;
  /** syscall(0) and __syscall(198): the dispatcher takes the number from the first argument. */
  indirect: boolean;
}

/** A row before the table gives it its number. */
export type Row = Omit<SyscallDef, 'num'>;

const row = (r: Partial<Row> & Pick<Row, 'name' | 'support'>): Row => ({
  name: r.name, args: r.args, ret: r.ret ?? 'int', support: r.support, errno: r.errno ?? 0, note: r.note,
  fn: r.fn, indirect: r.indirect ?? false,
});

/** A call served as DragonFly serves it. */
export const full = (name: string, fn: Handler, args: readonly ArgKind[], note?: string): Row =>
  row({ name, fn, args, note, support: 'full' });
/** A call served in part: the note says what is missing. */
export const partial = (name: string, fn: Handler, args: readonly ArgKind[], note?: string): Row =>
  row({ name, fn, args, note, support: 'partial' });
/** A call that always fails with `errno`, for the reason in the note. */
export const refused = (name: string, errno: number, args: readonly ArgKind[], note: string): Row =>
  row({ name, errno, args, note, support: 'refused' });
/** The indirect forms, served by the dispatcher itself. */
export const indirect = (name: string, note: string): Row => row({ name, note, support: 'full', indirect: true });
/** Numbers DragonFly 5.9 has no call for (OBSOL, UNIMPL, NODEF in syscalls.master). */
export const obsolete = (name: string): Row => row({ name, support: 'obsol' });
export const unimplemented = (name: string): Row => row({ name, support: 'unimpl' });
export const loadable = (name: string): Row => row({ name, support: 'nodef' });
/** How the tracer shows the row's result. */
export const returns = (ret: Ret, r: Row): Row => ({ ...r, ret });

const ARG_REGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9];

/** Argument access for one system call of one thread (reused across calls). */
export class Sys {
  /** 1 for the indirect syscall(0)/__syscall(198) forms. */
  shift = 0;
  constructor(readonly m: Machine, readonly t: GuestThread) {}
  get p(): Process {
    return this.t.proc;
  }
  /** The Machine's shared tables (varsyms, locks, FIFOs, knotes, devices...). */
  get k(): Kernel {
    return this.m.kernel;
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
