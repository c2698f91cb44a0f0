// ktrace/strace-style tracing of guest system calls, with DragonFly names.
import { Reg } from '../cpu/engine.js';
import { errnoName } from './abi/errno.js';
import { AT_FDCWD, CLOCK, F, MAP, O, PROT, SEEK } from './abi/flags.js';
import { SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, signalName } from './abi/signals.js';
import type { GuestThread } from './thread.js';
import type { Sys, SyscallDef, SyscallResult, ArgKind } from './syscalls/types.js';
import { syscallName } from './syscalls/table.js';
import { ioctlName } from './abi/ioctls.js';

/** Single-bit flags of an abi table as [bit, name] (e.g. O.CREAT -> O_CREAT), lowest first. */
function bits(table: Record<string, number>, prefix: string): [number, string][] {
  return Object.entries(table).filter(([, v]) => v > 0 && (v & (v - 1)) === 0)
    .sort(([, a], [, b]) => a - b).map(([k, v]) => [v, prefix + k]);
}
/** Names of an abi enumeration by value (the first name of a value wins). */
function names(table: Record<string, number>, prefix: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) if (!m.has(v)) m.set(v, prefix + k);
  return m;
}

const OFLAGS = bits(O, 'O_');
const ACCMODE = names(O, 'O_'); // looked up with the access mode bits only
const MFLAGS = bits(MAP, 'MAP_');
const PROTS = bits(PROT, 'PROT_');
const CLOCKS = names(CLOCK, 'CLOCK_');
const FCNTL = names(F, 'F_');
const WHENCE = names(SEEK, 'SEEK_');
const HOW = names({ SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK }, '');

function flags(v: number, table: [number, string][], base?: string): string {
  const parts = base ? [base] : [];
  let rest = v;
  for (const [bit, name] of table) if (v & bit) { parts.push(name); rest &= ~bit; }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|') || '0';
}

function quote(b: Buffer, max = 32): string {
  const s = b.subarray(0, max).toString('latin1').replace(/[\x00-\x1f"\\\x7f-\xff]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${s}"${b.length > max ? '...' : ''}`;
}

function formatArg(s: Sys, kind: ArgKind, i: number, next: number): string {
  switch (kind) {
    case 'int': case 'fd': return String(s.int(i));
    case 'at': return s.int(i) === AT_FDCWD ? 'AT_FDCWD' : String(s.int(i));
    case 'uint': case 'size': return String(s.ptr(i));
    case 'off': return String(s.long(i));
    case 'hex': case 'ptr': case 'obuf': return `0x${s.raw(i).toString(16)}`;
    case 'mode': return `0${s.uint(i).toString(8)}`;
    case 'path': case 'str': {
      const b = s.p.space.readCString(s.ptr(i), 1024);
      return b ? quote(b, 256) : `0x${s.raw(i).toString(16)}`;
    }
    case 'buf': {
      const n = Math.min(s.ptr(next), 32);
      const b = n >= 0 ? s.p.space.read(s.ptr(i), n) : null;
      return b ? quote(b) + (s.ptr(next) > 32 ? '...' : '') : `0x${s.raw(i).toString(16)}`;
    }
    case 'oflags': {
      const v = s.int(i);
      return flags(v & ~O.ACCMODE, OFLAGS, ACCMODE.get(v & O.ACCMODE));
    }
    case 'mflags': return flags(s.int(i), MFLAGS);
    case 'prot': {
      const v = s.int(i);
      return v === 0 ? 'PROT_NONE' : flags(v, PROTS);
    }
    case 'sig': return signalName(s.int(i));
    case 'how': return HOW.get(s.int(i)) ?? String(s.int(i));
    case 'clock': return CLOCKS.get(s.int(i)) ?? String(s.int(i));
    case 'whence': return WHENCE.get(s.int(i)) ?? String(s.int(i));
    case 'fcntl': return FCNTL.get(s.int(i)) ?? String(s.int(i));
    case 'ioctl': return ioctlName(s.uint(i));
  }
}

export class Tracer {
  private open = new Map<GuestThread, { line: string; def: SyscallDef | undefined; s: Sys }>();
  constructor(private out: (line: string) => void) {}

  enter(s: Sys, num: number, def: SyscallDef | undefined): void {
    const args = def?.args
      ? def.args.map((k, i) => formatArg(s, k, i, i + 1)).join(', ')
      : [0, 1, 2].map((i) => `0x${s.raw(i).toString(16)}`).join(', ');
    this.open.set(s.t, { line: `${syscallName(num)}(${args})`, def, s });
  }

  /** The completion printer for t's call in progress, if tracing. */
  pending(t: GuestThread): ((r: SyscallResult) => void) | undefined {
    const o = this.open.get(t);
    if (!o) return undefined;
    this.open.delete(t);
    return (r) => {
      let res: string;
      if (r === 'justreturn') res = o.def?.ret === 'void' ? '' : ' = JUSTRETURN';
      else if (typeof r === 'number' && r < 0) res = ` = -1 ${errnoName(-r)} (errno ${-r})`;
      else if (Array.isArray(r)) res = ` = ${r[0]}, ${r[1]}`;
      else if (o.def?.ret === 'hex') res = ` = 0x${r.toString(16)}`;
      else res = ` = ${r}`;
      let extra = '';
      const obuf = o.def?.args?.indexOf('obuf') ?? -1;
      if (obuf >= 0 && typeof r === 'number' && r > 0) {
        const b = o.s.p.space.read(o.s.ptr(obuf), Math.min(r, 32));
        if (b) extra = ` ${quote(b)}${r > 32 ? '...' : ''}`;
      }
      this.out(`[${t.label}] ${o.line}${res}${extra}`);
    };
  }

  note(t: GuestThread, what: string): void {
    this.out(`[${t.label}] --- ${what} ---`);
  }

  signal(t: GuestThread, sig: number, code: number, addr: bigint): void {
    this.out(`[${t.label}] --- ${signalName(sig)} {si_code=${code}, si_addr=0x${addr.toString(16)}} rip=0x${t.get(Reg.RIP).toString(16)} ---`);
  }
}
