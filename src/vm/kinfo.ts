// kern.proc.{all,pid,pgrp,session,tty,uid,ruid,args}: the process table as arrays
// of DragonFly's struct kinfo_proc (sys/kinfo.h), which ps(1) and libkvm read
// on a live system. Offsets are DragonFly 5.9's (measured with offsetof from a
// program built against its headers); fields vkemu has no notion of stay zero.
import path from 'node:path';
import type { Machine } from './machine.js';
import type { Process } from './process.js';
import type { GuestThread } from './thread.js';

const KINFO_PROC_SIZE = 992;
/** struct kinfo_proc fields. */
const KP = {
  paddr: 0, flags: 8, stat: 12, start: 96, comm: 112, uid: 132, ngroups: 136, groups: 140, ruid: 204, svuid: 208,
  rgid: 212, svgid: 216, pid: 220, ppid: 224, pgid: 228, jobc: 232, sid: 236, login: 240, tdev: 280, tpgid: 284,
  tsid: 288, exitstat: 292, nthreads: 296, nice: 300, vmMapSize: 312, vmRssize: 320, auxflags: 656, lwp: 664,
} as const;
/** struct kinfo_lwp fields (inside kp_lwp). */
const KL = { pid: 0, tid: 4, flags: 8, stat: 12, cpuid: 88, wmesg: 280, comm: 289 } as const;
/** kl_flags: the sleep can be interrupted by a signal (ps shows S, not D). */
const LWP_SINTR = 0x8;
const MAXCOMLEN = 16, WMESGLEN = 8, LOGIN_LEN = 40;
const SACTIVE = 2, SSTOP = 3, SZOMB = 4;
const LSRUN = 1, LSSTOP = 2, LSSLEEP = 3;
const NODEV = 0xffffffff;
const KI_CTTY = 1, KI_SLEADER = 2;
const P_CONTROLT = 0x2;

const KERN_PROC_ALL = 0, KERN_PROC_PID = 1, KERN_PROC_PGRP = 2, KERN_PROC_SESSION = 3, KERN_PROC_TTY = 4,
  KERN_PROC_UID = 5, KERN_PROC_RUID = 6, KERN_PROC_ARGS = 7, KERN_PROC_FLAG_LWP = 0x10;

const uid = process.getuid?.() ?? 0, gid = process.getgid?.() ?? 0;

function putString(b: Buffer, off: number, s: string, room: number): void {
  b.write(s, off, Math.max(0, room - 1), 'utf8');
}

/** The user's terminal as a controlling tty: its device number (st_rdev), session and foreground group. */
interface Ctty { dev: number; sid: number; pgid: number }

/** The controlling tty of the session vkemu started (or a TIOCSCTTY moved it to), if vkemu's stdio has a terminal. */
function consoleTty(m: Machine): Ctty | undefined {
  const c = m.kernel.console.find((s) => s.isTty);
  const terminal = m.kernel.terminal, leader = terminal.leader ?? m.init;
  if (!c || !leader) return undefined;
  const st = c.stat();
  if (typeof st === 'number') return undefined;
  return { dev: st.rdev >>> 0, sid: leader.sid, pgid: terminal.foreground || leader.pgid };
}

function encodeProc(m: Machine, p: Process, t: GuestThread | undefined, tty: Ctty | undefined): Buffer {
  const b = Buffer.alloc(KINFO_PROC_SIZE);
  const comm = path.basename(p.exePath);
  b.writeBigUInt64LE(0xfffff80000000000n + BigInt(p.pid) * 0x1000n, KP.paddr);
  b.writeInt32LE(p.state !== 'running' ? SZOMB : p.stopped ? SSTOP : SACTIVE, KP.stat);
  b.writeBigInt64LE(m.bootNs / 1_000_000_000n, KP.start);
  putString(b, KP.comm, comm, MAXCOMLEN + 1);
  for (const off of [KP.uid, KP.ruid, KP.svuid]) b.writeUInt32LE(uid, off);
  b.writeInt16LE(1, KP.ngroups);
  for (const off of [KP.groups, KP.rgid, KP.svgid]) b.writeUInt32LE(gid, off);
  b.writeInt32LE(p.pid, KP.pid);
  b.writeInt32LE(p.parent?.pid ?? 1, KP.ppid);
  b.writeInt32LE(p.pgid, KP.pgid);
  b.writeInt32LE(p.sid, KP.sid);
  putString(b, KP.login, process.env.USER ?? 'root', LOGIN_LEN);
  // The processes of the terminal's session have it as their controlling tty (ps's TT
  // column, '+' for the foreground group; plain `ps` lists only these).
  const ctty = tty !== undefined && p.sid === tty.sid && p.state === 'running';
  b.writeInt32LE(ctty ? P_CONTROLT : 0, KP.flags);
  b.writeUInt32LE(ctty ? tty.dev : NODEV, KP.tdev);
  b.writeInt32LE(ctty ? tty.pgid : -1, KP.tpgid);
  b.writeInt32LE(ctty ? tty.sid : 0, KP.tsid);
  b.writeUInt16LE(p.state === 'running' ? 0 : p.status & 0xffff, KP.exitstat);
  b.writeInt32LE(p.liveThreads().length, KP.nthreads);
  b.writeInt32LE((p.sid === p.pid ? KI_SLEADER : 0) | (ctty ? KI_CTTY : 0), KP.auxflags);
  const lwp = t ?? p.liveThreads()[0];
  const l = KP.lwp;
  b.writeInt32LE(p.pid, l + KL.pid);
  b.writeInt32LE(lwp?.tid ?? 0, l + KL.tid);
  b.writeInt32LE(!lwp ? 0 : p.stopped ? LSSTOP : lwp.state === 'blocked' ? LSSLEEP : LSRUN, l + KL.stat);
  if (lwp?.state === 'blocked') putString(b, l + KL.wmesg, lwp.wait?.what ?? '', WMESGLEN + 1);
  if (lwp?.state === 'blocked' && lwp.wait?.interruptible) b.writeInt32LE(LWP_SINTR, l + KL.flags);
  putString(b, l + KL.comm, lwp?.name || comm, MAXCOMLEN + 1);
  return b;
}

/** Which processes an operation selects (undefined: not one of ours). */
function selector(op: number, arg: number, tty: Ctty | undefined): ((p: Process) => boolean) | undefined {
  switch (op) {
    case KERN_PROC_ALL: return () => true;
    case KERN_PROC_PID: return (p) => p.pid === arg;
    case KERN_PROC_PGRP: return (p) => p.pgid === arg;
    case KERN_PROC_SESSION: return (p) => p.sid === arg;
    case KERN_PROC_TTY: return (p) => tty !== undefined && (arg >>> 0) === tty.dev && p.sid === tty.sid;
    case KERN_PROC_UID: case KERN_PROC_RUID: return () => (arg >>> 0) === uid;
    default: return undefined;
  }
}

/**
 * The value of {CTL_KERN, KERN_PROC, op[, arg]}: kinfo_proc records, one per
 * process (one per thread with KERN_PROC_FLAG_LWP); a number is an errno;
 * undefined when oid is not such a request.
 */
export function procTable(m: Machine, oid: number[]): Buffer | number | undefined {
  if (oid.length < 3 || oid[0] !== 1 || oid[1] !== 14) return undefined;
  if (oid[2] === KERN_PROC_ARGS) {
    // The arguments of a process, each with its NUL (ps shows them as COMMAND).
    // {.., pid} or {.., pid, tid}.
    const p = oid.length === 4 || oid.length === 5 ? m.procs.get(oid[3]) : undefined;
    if (oid.length !== 4 && oid.length !== 5) return 22; // EINVAL
    if (!p || p.state !== 'running' || (oid.length === 5 && !p.threads.has(oid[4]))) return 3; // ESRCH
    return Buffer.from(p.args.map((a) => a + '\0').join(''));
  }
  const op = oid[2] & ~KERN_PROC_FLAG_LWP, lwps = (oid[2] & KERN_PROC_FLAG_LWP) !== 0;
  const tty = consoleTty(m);
  const pick = selector(op, oid[3] ?? 0, tty);
  if (!pick) return undefined;
  if (oid.length !== (op === KERN_PROC_ALL ? 3 : 4)) return 22; // EINVAL, as DragonFly
  const out: Buffer[] = [];
  for (const p of [...m.procs.values()].sort((a, b) => a.pid - b.pid)) {
    if (p.state === 'reaped' || !pick(p)) continue;
    if (lwps && p.state === 'running') for (const t of p.liveThreads()) out.push(encodeProc(m, p, t, tty));
    else out.push(encodeProc(m, p, undefined, tty));
  }
  return Buffer.concat(out);
}
