// Process identity and lifetime: exit, ids, sessions, limits, randomness.
import crypto from 'node:crypto';
import { E } from '../abi/errno.js';
import { RLIM_INFINITY } from '../process.js';
import type { Sys, SyscallDef, SyscallResult } from './types.js';

const uid = process.getuid?.() ?? 0, gid = process.getgid?.() ?? 0;

const DEFAULT_RLIMITS: Record<number, [bigint, bigint]> = {
  0: [RLIM_INFINITY, RLIM_INFINITY], 1: [RLIM_INFINITY, RLIM_INFINITY], 2: [32n << 30n, 32n << 30n],
  3: [8n << 20n, 512n << 20n], 4: [0n, RLIM_INFINITY], 5: [RLIM_INFINITY, RLIM_INFINITY],
  6: [RLIM_INFINITY, RLIM_INFINITY], 7: [4096n, 4096n], 8: [4096n, 4096n], 9: [RLIM_INFINITY, RLIM_INFINITY],
  10: [RLIM_INFINITY, RLIM_INFINITY], 11: [RLIM_INFINITY, RLIM_INFINITY],
};

function getrlimit(s: Sys): SyscallResult {
  const which = s.int(0);
  if (which < 0 || which > 11) return -E.EINVAL;
  const l = s.p.rlimits.get(which) ?? { cur: DEFAULT_RLIMITS[which][0], max: DEFAULT_RLIMITS[which][1] };
  const b = Buffer.alloc(16);
  b.writeBigInt64LE(l.cur, 0);
  b.writeBigInt64LE(l.max, 8);
  return s.p.space.write(s.ptr(1), b) ? 0 : -E.EFAULT;
}

function setrlimit(s: Sys): SyscallResult {
  const which = s.int(0);
  if (which < 0 || which > 11) return -E.EINVAL;
  const b = s.p.space.read(s.ptr(1), 16);
  if (!b) return -E.EFAULT;
  const cur = b.readBigInt64LE(0), max = b.readBigInt64LE(8);
  const old = s.p.rlimits.get(which) ?? { cur: DEFAULT_RLIMITS[which][0], max: DEFAULT_RLIMITS[which][1] };
  if (cur > max || cur < 0n) return -E.EINVAL;
  if (max > old.max && uid !== 0) return -E.EPERM;
  s.p.rlimits.set(which, { cur, max });
  if (which === 8) s.p.fds.limit = Number(cur > 1_000_000n ? 1_000_000n : cur);
  return 0;
}

export const procSyscalls: SyscallDef[] = [
  { num: 1, name: 'exit', args: ['int'], ret: 'void', support: 'full', fn: (s) => { s.m.exitProcess(s.p, (s.int(0) & 0xff) << 8); return 'justreturn'; } },
  { num: 20, name: 'getpid', args: [], support: 'full', fn: (s) => s.p.pid },
  { num: 39, name: 'getppid', args: [], support: 'full', fn: (s) => s.p.parent?.pid ?? 1 },
  { num: 24, name: 'getuid', args: [], support: 'full', fn: () => uid },
  { num: 25, name: 'geteuid', args: [], support: 'full', fn: () => uid },
  { num: 47, name: 'getgid', args: [], support: 'full', fn: () => gid },
  { num: 43, name: 'getegid', args: [], support: 'full', fn: () => gid },
  {
    num: 360, name: 'getresuid', args: ['ptr', 'ptr', 'ptr'], support: 'full',
    fn: (s) => { const b = Buffer.alloc(4); b.writeUInt32LE(uid, 0); for (let i = 0; i < 3; i++) if (s.ptr(i) && !s.p.space.write(s.ptr(i), b)) return -E.EFAULT; return 0; },
  },
  {
    num: 361, name: 'getresgid', args: ['ptr', 'ptr', 'ptr'], support: 'full',
    fn: (s) => { const b = Buffer.alloc(4); b.writeUInt32LE(gid, 0); for (let i = 0; i < 3; i++) if (s.ptr(i) && !s.p.space.write(s.ptr(i), b)) return -E.EFAULT; return 0; },
  },
  {
    num: 79, name: 'getgroups', args: ['int', 'ptr'], support: 'full',
    fn: (s) => { if (s.int(0) === 0) return 1; if (s.int(0) < 1) return -E.EINVAL; const b = Buffer.alloc(4); b.writeUInt32LE(gid, 0); return s.p.space.write(s.ptr(1), b) ? 1 : -E.EFAULT; },
  },
  { num: 23, name: 'setuid', args: ['int'], support: 'partial', fn: (s) => (s.int(0) === uid ? 0 : -E.EPERM) },
  { num: 181, name: 'setgid', args: ['int'], support: 'partial', fn: (s) => (s.int(0) === gid ? 0 : -E.EPERM) },
  { num: 253, name: 'issetugid', args: [], support: 'full', fn: () => 0 },
  { num: 81, name: 'getpgrp', args: [], support: 'full', fn: (s) => s.p.pgid },
  { num: 207, name: 'getpgid', args: ['int'], support: 'full', fn: (s) => { const p = s.int(0) ? s.m.procs.get(s.int(0)) : s.p; return p ? p.pgid : -E.ESRCH; } },
  { num: 310, name: 'getsid', args: ['int'], support: 'full', fn: (s) => { const p = s.int(0) ? s.m.procs.get(s.int(0)) : s.p; return p ? p.sid : -E.ESRCH; } },
  {
    num: 147, name: 'setsid', args: [], support: 'full',
    fn: (s) => { if (s.p.pgid === s.p.pid) return -E.EPERM; s.p.sid = s.p.pgid = s.p.pid; return s.p.pid; },
  },
  {
    num: 82, name: 'setpgid', args: ['int', 'int'], support: 'full',
    fn: (s) => { const p = s.int(0) ? s.m.procs.get(s.int(0)) : s.p; if (!p) return -E.ESRCH; if (s.int(1) < 0) return -E.EINVAL; p.pgid = s.int(1) || p.pid; return 0; },
  },
  {
    num: 49, name: 'getlogin', args: ['ptr', 'uint'], support: 'full',
    fn: (s) => { const n = Buffer.from((process.env.USER ?? 'root') + '\0'); if (n.length > s.uint(1)) return -E.ERANGE; return s.p.space.write(s.ptr(0), n) ? 0 : -E.EFAULT; },
  },
  { num: 50, name: 'setlogin', args: ['str'], support: 'partial', fn: () => 0 },
  { num: 194, name: 'getrlimit', args: ['int', 'ptr'], support: 'full', fn: getrlimit },
  { num: 195, name: 'setrlimit', args: ['int', 'ptr'], support: 'full', fn: setrlimit },
  { num: 89, name: 'getdtablesize', args: [], support: 'full', fn: (s) => s.p.fds.limit },
  {
    num: 550, name: 'getrandom', args: ['obuf', 'size', 'hex'], support: 'full',
    fn: (s) => { const n = Math.min(s.ptr(1), 1 << 20); const b = crypto.randomBytes(n); return s.p.space.write(s.ptr(0), b) ? n : -E.EFAULT; },
  },
  {
    num: 117, name: 'getrusage', args: ['int', 'ptr'], support: 'partial', note: 'user/system times from the host',
    fn: (s) => {
      const who = s.int(0);
      if (who !== 0 && who !== -1 && who !== 1) return -E.EINVAL;
      const b = Buffer.alloc(144);
      const u = process.cpuUsage();
      b.writeBigInt64LE(BigInt(Math.floor(u.user / 1e6)), 0);
      b.writeBigInt64LE(BigInt(u.user % 1e6), 8);
      b.writeBigInt64LE(BigInt(Math.floor(u.system / 1e6)), 16);
      b.writeBigInt64LE(BigInt(u.system % 1e6), 24);
      b.writeBigInt64LE(BigInt(Math.floor(process.memoryUsage().rss / 1024)), 32);
      return s.p.space.write(s.ptr(1), b) ? 0 : -E.EFAULT;
    },
  },
  { num: 96, name: 'setpriority', args: ['int', 'int', 'int'], support: 'partial', fn: () => 0 },
  { num: 100, name: 'getpriority', args: ['int', 'int'], support: 'partial', fn: () => 0 },
  { num: 166, name: 'rtprio', args: ['int', 'int', 'ptr'], support: 'partial', fn: () => 0 },
];
