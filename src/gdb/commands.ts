// The packets gdb sends and what each does: a table from packet name to
// handler. A handler returns the reply payload, or null when the reply is a
// stop reply that comes later (c, s, vCont). Malformed arguments get an
// error reply ("E16"), never an exception.
import type { GuestThread } from '../vm/thread.js';
import { HostIo } from './hostio.js';
import { monitor } from './monitor.js';
import { fromHex, PACKET_SIZE, parseHexNum, toHex } from './packet.js';
import { readAll, readOne, REGS, targetXml, write } from './registers.js';
import type { DebugThread, ResumeAction, StopReason, Target } from './target.js';
import { auxv, librariesSvr4, xferSlice } from './xfer.js';
import { Reg } from '../cpu/engine.js';

export type Reply = string | Buffer | null;

/** Per-connection state the handlers share. */
export interface Session {
  target: Target;
  hostio: HostIo;
  /** Hg / Hc: thread ids (0 or -1: any). */
  gThread: number;
  cThread: number;
  noAck: boolean;
  /** Lines for gdb's console (qRcmd output), sent as O packets before the reply. */
  console: (text: string) => void;
  /** After the reply: detach, or end vkemu (k). */
  after: 'detach' | 'kill' | undefined;
}

const E_INVAL = 'E16', E_FAULT = 'E0e', E_SRCH = 'E03';
const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');

/** Registers sent with a stop (rbp, rsp, rip: what gdb needs for the frame), sparing it a `g`. */
const EXPEDITED = [6, 7, 16];

export function stopReply(r: StopReason | undefined, target?: Target): string {
  if (!r) return 'S05';
  if (r.kind === 'exited') return `W${hex2(r.status)}`;
  if (r.kind === 'killed') return `X${hex2(r.sig)}`;
  let s = `T${hex2(r.sig)}`;
  if (r.thread) s += `thread:${r.thread.id.toString(16)};`;
  if (r.why === 'swbreak' || r.why === 'hwbreak') s += `${r.why}:;`;
  else if (r.why) s += `${r.why}:${(r.addr ?? 0n).toString(16)};`;
  if (r.thread && target?.find(r.thread.id)) {
    const rf = target.regs(r.thread);
    for (const n of EXPEDITED) s += `${hex2(n)}:${readOne(rf, n)};`;
  }
  return s;
}

/** The thread a register or memory packet means. */
function current(s: Session, which: 'g' | 'c'): DebugThread | undefined {
  const id = which === 'g' ? s.gThread : s.cThread;
  const t = s.target;
  if (id > 0) {
    const d = t.find(id);
    if (d) return d;
  }
  const r = t.lastStop;
  if (r?.kind === 'signal' && r.thread && t.find(r.thread.id)) return t.find(r.thread.id);
  return t.eventThread();
}

function parseThreadId(s: string): number | null {
  if (s === '-1') return -1;
  if (!/^[0-9a-fA-F]{1,8}$/.test(s)) return null;
  return parseInt(s, 16);
}

/** "addr,len" with hex numbers; len capped so that the reply fits a packet. */
function addrLen(s: string, cap: number): [bigint, number] | null {
  const m = /^([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,16})$/.exec(s);
  if (!m) return null;
  const len = parseHexNum(m[2])!;
  return [parseHexNum(m[1])!, Number(len > BigInt(cap) ? BigInt(cap) : len)];
}

function resumeAll(s: Session, step: boolean, sig: number, addr: string): Reply {
  const t = s.target;
  const d = current(s, 'c');
  if (addr) {
    const a = parseHexNum(addr);
    if (a === null || !d) return E_INVAL;
    t.regs(d).set(Reg.RIP, a);
  }
  if (step) {
    // The legacy step: the Hc thread steps, the others stay stopped.
    if (!d) return E_SRCH;
    t.resume(new Map([[d.t, { step: true, sig }]]), undefined);
  } else {
    const per = new Map<GuestThread, ResumeAction>();
    if (sig && d) per.set(d.t, { step: false, sig });
    t.resume(per, { step: false, sig: 0 });
  }
  return null;
}

function vCont(s: Session, args: string): Reply {
  const per = new Map<GuestThread, ResumeAction>();
  let fallback: ResumeAction | undefined;
  for (const part of args.split(';').filter(Boolean)) {
    const m = /^([cCsS])([0-9a-fA-F]{2})?(?::(.+))?$/.exec(part);
    if (!m) return E_INVAL;
    const kind = m[1];
    const needsSig = kind === 'C' || kind === 'S';
    if (needsSig !== !!m[2]) return E_INVAL;
    const a: ResumeAction = { step: kind.toLowerCase() === 's', sig: m[2] ? parseInt(m[2], 16) : 0 };
    if (m[3] === undefined) {
      fallback ??= a;
      continue;
    }
    const id = parseThreadId(m[3]);
    if (id === null) return E_INVAL;
    if (id === -1) {
      fallback ??= a;
      continue;
    }
    const d = s.target.find(id);
    if (d && !per.has(d.t)) per.set(d.t, a);
  }
  if (!per.size && !fallback) return E_INVAL;
  // The leftmost action that names a thread wins over a later default.
  if (!s.target.resume(per, fallback)) return E_SRCH;
  return null;
}

function breakpoint(s: Session, insert: boolean, args: string): Reply {
  const m = /^([0-4]),([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})(;.*)?$/.exec(args);
  if (!m) return E_INVAL;
  const type = Number(m[1]);
  const addr = parseHexNum(m[2])!;
  const kind = parseInt(m[3], 16);
  const t = s.target;
  // Software breakpoints are gdb's own (int3 written with M/X, as for a
  // stub without Z0): an engine code hook per breakpoint occasionally
  // corrupted a multi-threaded guest (Go's runtime) under Unicorn 2.1.
  if (type === 0) return '';
  // Hardware breakpoints and watchpoints are engine hooks: unsupported (gdb falls back) on a backend without them.
  if (!t.machine.engine.caps.debugHooks) return '';
  if (type <= 1) {
    if (insert) t.addBreakpoint(addr, type === 1);
    else t.removeBreakpoint(addr, type === 1);
    return 'OK';
  }
  if (kind < 1 || kind > 1 << 20) return E_INVAL;
  const kinds = type === 2 ? 2 : type === 3 ? 1 : 3;
  if (insert) {
    const d = current(s, 'g');
    if (!d || !t.mapped(d, addr, kind)) return E_FAULT;
    t.addWatch(addr, kind, kinds);
  } else {
    t.removeWatch(addr, kind, kinds);
  }
  return 'OK';
}

/** qXfer:object:read:annex:offset,length */
function xfer(s: Session, args: string): Reply {
  const m = /^([a-z0-9-]+):read:([^:]*):([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,16})$/.exec(args);
  if (!m) return E_INVAL;
  const [, object, annex] = m;
  const off = Number(parseHexNum(m[3])!), len = Math.min(Number(parseHexNum(m[4])!), PACKET_SIZE - 16);
  const d = current(s, 'g');
  let data: Buffer;
  switch (object) {
    case 'features':
      if (annex !== 'target.xml') return 'E00';
      data = Buffer.from(targetXml());
      break;
    case 'exec-file': {
      const p = d?.t.proc ?? s.target.machine.init;
      if (!p) return 'E00';
      data = Buffer.from(p.exePath);
      break;
    }
    case 'auxv':
      if (!d) return 'E00';
      data = auxv(d.t.proc);
      break;
    case 'libraries-svr4':
      if (!d) return 'E00';
      data = Buffer.from(librariesSvr4(d.t.proc));
      break;
    default:
      return '';
  }
  return xferSlice(data, off, len);
}

function threadExtra(d: DebugThread): string {
  const t = d.t;
  const prog = t.proc.exePath.split('/').pop() ?? '';
  if (d.context) return `guest context of lwp ${t.tid} pid ${t.proc.pid}, vmspace 0x${t.vm!.id.toString(16)}`;
  const name = t.name ? ` "${t.name}"` : '';
  const state = t.state === 'blocked' ? `, in ${t.wait?.what ?? 'a wait'}` : t.vm ? ', running a guest context' : '';
  return `lwp ${t.tid} pid ${t.proc.pid} ${prog}${name}${state}`;
}

const SUPPORTED = [
  `PacketSize=${PACKET_SIZE.toString(16)}`, 'QStartNoAckMode+', 'qXfer:features:read+', 'qXfer:exec-file:read+',
  'qXfer:auxv:read+', 'qXfer:libraries-svr4:read+', 'QPassSignals+', 'hwbreak+', 'vContSupported+',
].join(';');

type Handler = (s: Session, args: string, raw: Buffer) => Reply;

/** Handlers by name: the longest name that prefixes the packet wins. */
const TABLE: [string, Handler][] = [
  ['?', (s) => stopReply(s.target.lastStop, s.target)],
  ['qSupported', (s, a) => {
    // swbreak: the stub reports gdb's int3 hits with the PC already moved back (one `P` less per hit).
    s.target.swbreak = /(^|[:;])swbreak\+/.test(a);
    return SUPPORTED + (s.target.swbreak ? ';swbreak+' : '');
  }],
  ['QStartNoAckMode', (s) => { s.noAck = true; return 'OK'; }],
  ['qXfer:', (s, a) => xfer(s, a)],
  ['qfThreadInfo', (s) => {
    const ids = s.target.threads().map((d) => d.id.toString(16));
    return ids.length ? 'm' + ids.join(',') : 'l';
  }],
  ['qsThreadInfo', () => 'l'],
  ['qThreadExtraInfo,', (s, a) => {
    const id = parseThreadId(a);
    const d = id !== null ? s.target.find(id) : undefined;
    return d ? toHex(Buffer.from(threadExtra(d))) : E_SRCH;
  }],
  ['qC', (s) => { const d = current(s, 'g'); return d ? `QC${d.id.toString(16)}` : ''; }],
  ['qAttached', () => '1'],
  ['qSymbol', () => 'OK'],
  ['qRcmd,', (s, a) => {
    const cmd = fromHex(a);
    if (!cmd) return E_INVAL;
    s.console(monitor(s.target, current(s, 'g'), cmd.toString('utf8')));
    return 'OK';
  }],
  ['QPassSignals:', (s, a) => {
    s.target.passSignals = new Set(a.split(';').filter(Boolean).map((x) => parseInt(x, 16)).filter((n) => n > 0));
    return 'OK';
  }],
  ['QProgramSignals:', () => 'OK'],
  ['H', (s, a) => {
    const id = parseThreadId(a.slice(1));
    if (id === null || (a[0] !== 'g' && a[0] !== 'c')) return E_INVAL;
    if (id > 0 && !s.target.find(id)) return E_SRCH;
    if (a[0] === 'g') s.gThread = id;
    else s.cThread = id;
    return 'OK';
  }],
  ['T', (s, a) => { const id = parseThreadId(a); return id !== null && s.target.find(id) ? 'OK' : E_SRCH; }],
  ['g', (s) => { const d = current(s, 'g'); return d ? readAll(s.target.regs(d)) : E_SRCH; }],
  ['G', (s, a) => {
    const d = current(s, 'g');
    const b = fromHex(a);
    if (!d) return E_SRCH;
    return b && write(s.target.regs(d), 0, b) ? 'OK' : E_INVAL;
  }],
  ['p', (s, a) => {
    const d = current(s, 'g');
    const n = /^[0-9a-fA-F]{1,4}$/.test(a) ? parseInt(a, 16) : -1;
    if (!d) return E_SRCH;
    return readOne(s.target.regs(d), n) ?? E_INVAL;
  }],
  ['P', (s, a) => {
    const d = current(s, 'g');
    const m = /^([0-9a-fA-F]{1,4})=([0-9a-fA-F]*)$/.exec(a);
    if (!d) return E_SRCH;
    const n = m ? parseInt(m[1], 16) : -1;
    const b = m ? fromHex(m[2]) : null;
    if (!b || !REGS[n] || b.length !== REGS[n].bits / 8) return E_INVAL;
    return write(s.target.regs(d), n, b) ? 'OK' : E_INVAL;
  }],
  ['m', (s, a) => {
    const al = addrLen(a, (PACKET_SIZE - 16) >> 1);
    const d = current(s, 'g');
    if (!al) return E_INVAL;
    if (!d) return E_SRCH;
    if (al[1] === 0) return '';
    const b = s.target.readMemory(d, al[0], al[1]);
    return b ? toHex(b) : E_FAULT;
  }],
  ['M', (s, a) => {
    const colon = a.indexOf(':');
    const al = colon > 0 ? addrLen(a.slice(0, colon), PACKET_SIZE) : null;
    const b = fromHex(a.slice(colon + 1));
    const d = current(s, 'g');
    if (!al || !b || b.length !== al[1]) return E_INVAL;
    if (!d) return E_SRCH;
    return s.target.writeMemory(d, al[0], b) ? 'OK' : E_FAULT;
  }],
  ['X', (s, _a, raw) => {
    const colon = raw.indexOf(0x3a);
    const al = colon > 0 ? addrLen(raw.subarray(1, colon).toString('latin1'), PACKET_SIZE) : null;
    const d = current(s, 'g');
    if (!al) return E_INVAL;
    const b = raw.subarray(colon + 1);
    if (b.length !== al[1]) return E_INVAL;
    if (!d) return E_SRCH;
    return s.target.writeMemory(d, al[0], Buffer.from(b)) ? 'OK' : E_FAULT;
  }],
  ['Z', (s, a) => breakpoint(s, true, a)],
  ['z', (s, a) => breakpoint(s, false, a)],
  ['c', (s, a) => resumeAll(s, false, 0, a)],
  ['C', (s, a) => {
    const m = /^([0-9a-fA-F]{2})(?:;([0-9a-fA-F]+))?$/.exec(a);
    return m ? resumeAll(s, false, parseInt(m[1], 16), m[2] ?? '') : E_INVAL;
  }],
  ['s', (s, a) => resumeAll(s, true, 0, a)],
  ['S', (s, a) => {
    const m = /^([0-9a-fA-F]{2})(?:;([0-9a-fA-F]+))?$/.exec(a);
    return m ? resumeAll(s, true, parseInt(m[1], 16), m[2] ?? '') : E_INVAL;
  }],
  ['vCont?', () => 'vCont;c;C;s;S'],
  ['vCont;', (s, a) => vCont(s, a)],
  ['vFile:', (s, a) => {
    const colon = a.indexOf(':');
    return colon < 0 ? E_INVAL : s.hostio.handle(a.slice(0, colon), a.slice(colon + 1));
  }],
  ['vKill', (s) => { s.after = 'kill'; return 'OK'; }],
  ['vMustReplyEmpty', () => ''],
  ['D', (s) => { s.after = 'detach'; return 'OK'; }],
  ['k', (s) => { s.after = 'kill'; return null; }],
];

// Longest names first, so that 'qC' does not take 'qCRC' and 'vCont?' beats 'vCont;'.
TABLE.sort((a, b) => b[0].length - a[0].length);

/** Dispatch one packet. Unknown packets get the empty reply, as the protocol asks. */
export function handle(s: Session, raw: Buffer): Reply {
  const text = raw.toString('latin1');
  for (const [name, h] of TABLE) {
    if (!text.startsWith(name)) continue;
    // Single letters take the rest as arguments; named queries need an exact name or a separator.
    if (name.length > 1 && /[A-Za-z]$/.test(name) && text.length > name.length && /[A-Za-z]/.test(text[name.length])) continue;
    return h(s, text.slice(name.length), raw);
  }
  return '';
}
