// ktrace/strace-style tracing of guest system calls, with DragonFly names.
import { Reg } from '../cpu/engine.js';
import { errnoName } from './abi/errno.js';
import { signalName } from './abi/signals.js';
import type { GuestThread } from './thread.js';
import type { Sys, SyscallDef, SyscallResult, ArgKind } from './syscalls/types.js';
import { syscallName } from './syscalls/table.js';

const OFLAGS: [number, string][] = [[0x4, 'O_NONBLOCK'], [0x8, 'O_APPEND'], [0x10, 'O_SHLOCK'], [0x20, 'O_EXLOCK'],
  [0x40, 'O_ASYNC'], [0x80, 'O_FSYNC'], [0x100, 'O_NOFOLLOW'], [0x200, 'O_CREAT'], [0x400, 'O_TRUNC'], [0x800, 'O_EXCL'],
  [0x8000, 'O_NOCTTY'], [0x10000, 'O_DIRECT'], [0x20000, 'O_CLOEXEC'], [0x80000, 'O_FNONBLOCKING'], [0x8000000, 'O_DIRECTORY']];
const MFLAGS: [number, string][] = [[0x1, 'MAP_SHARED'], [0x2, 'MAP_PRIVATE'], [0x10, 'MAP_FIXED'], [0x400, 'MAP_STACK'],
  [0x800, 'MAP_NOSYNC'], [0x1000, 'MAP_ANON'], [0x2000, 'MAP_VPAGETABLE'], [0x10000, 'MAP_TRYFIXED'], [0x20000, 'MAP_NOCORE']];
const CLOCKS: Record<number, string> = { 0: 'CLOCK_REALTIME', 4: 'CLOCK_MONOTONIC', 5: 'CLOCK_UPTIME', 7: 'CLOCK_UPTIME_PRECISE',
  8: 'CLOCK_UPTIME_FAST', 9: 'CLOCK_REALTIME_PRECISE', 10: 'CLOCK_REALTIME_FAST', 11: 'CLOCK_MONOTONIC_PRECISE',
  12: 'CLOCK_MONOTONIC_FAST', 13: 'CLOCK_SECOND', 14: 'CLOCK_THREAD_CPUTIME_ID', 15: 'CLOCK_PROCESS_CPUTIME_ID' };
const FCNTL = ['F_DUPFD', 'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'F_GETOWN', 'F_SETOWN', 'F_GETLK', 'F_SETLK', 'F_SETLKW', 'F_DUP2FD'];

function flags(v: number, table: [number, string][], base = ''): string {
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
    case 'at': return s.int(i) === -328243 ? 'AT_FDCWD' : String(s.int(i));
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
      return flags(v & ~3, OFLAGS, ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][v & 3]);
    }
    case 'mflags': return flags(s.int(i), MFLAGS);
    case 'prot': {
      const v = s.int(i);
      return v === 0 ? 'PROT_NONE' : flags(v, [[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC']]);
    }
    case 'sig': return signalName(s.int(i));
    case 'how': return ['?', 'SIG_BLOCK', 'SIG_UNBLOCK', 'SIG_SETMASK'][s.int(i)] ?? String(s.int(i));
    case 'clock': return CLOCKS[s.int(i)] ?? String(s.int(i));
    case 'whence': return ['SEEK_SET', 'SEEK_CUR', 'SEEK_END'][s.int(i)] ?? String(s.int(i));
    case 'fcntl': return FCNTL[s.int(i)] ?? String(s.int(i));
  }
}

export class Tracer {
  private open = new Map<GuestThread, { line: string; def: SyscallDef | undefined; s: Sys }>();
  constructor(private out: (line: string) => void) {}

  enter(s: Sys, num: number, def: SyscallDef | undefined): void {
    const args = def
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
      const obuf = o.def?.args.indexOf('obuf') ?? -1;
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
