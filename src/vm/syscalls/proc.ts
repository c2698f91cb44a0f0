// Process identity and lifetime: exit, ids, sessions, limits, randomness.
import { randomBytes } from '../../host/random.js';
import { E } from '../abi/errno.js';
import { Rlimit, Rusage } from '../abi/structs.js';
import { RLIM_INFINITY } from '../process.js';
import type { Sys, SyscallResult, Handler } from './types.js';

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
  return s.p.space.write(s.ptr(1), Rlimit.encode(l)) ? 0 : -E.EFAULT;
}

function setrlimit(s: Sys): SyscallResult {
  const which = s.int(0);
  if (which < 0 || which > 11) return -E.EINVAL;
  const b = s.p.space.read(s.ptr(1), Rlimit.size);
  if (!b) return -E.EFAULT;
  const { cur, max } = Rlimit.read(b);
  const old = s.p.rlimits.get(which) ?? { cur: DEFAULT_RLIMITS[which][0], max: DEFAULT_RLIMITS[which][1] };
  if (cur > max || cur < 0n) return -E.EINVAL;
  if (max > old.max && uid !== 0) return -E.EPERM;
  s.p.rlimits.set(which, { cur, max });
  if (which === 8) s.p.fds.limit = Number(cur > 1_000_000n ? 1_000_000n : cur);
  return 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const procHandlers = {
  exit: (s) => { s.m.exitProcess(s.p, (s.int(0) & 0xff) << 8); return 'justreturn'; },
  getpid: (s) => s.p.pid,
  getppid: (s) => s.p.parent?.pid ?? 1,
  getuid: () => uid,
  geteuid: () => uid,
  getgid: () => gid,
  getegid: () => gid,
  getresuid: (s) => { const b = Buffer.alloc(4); b.writeUInt32LE(uid, 0); for (let i = 0; i < 3; i++) if (s.ptr(i) && !s.p.space.write(s.ptr(i), b)) return -E.EFAULT; return 0; },
  getresgid: (s) => { const b = Buffer.alloc(4); b.writeUInt32LE(gid, 0); for (let i = 0; i < 3; i++) if (s.ptr(i) && !s.p.space.write(s.ptr(i), b)) return -E.EFAULT; return 0; },
  getgroups: (s) => { if (s.int(0) === 0) return 1; if (s.int(0) < 1) return -E.EINVAL; const b = Buffer.alloc(4); b.writeUInt32LE(gid, 0); return s.p.space.write(s.ptr(1), b) ? 1 : -E.EFAULT; },
  setuid: (s) => (s.int(0) === uid ? 0 : -E.EPERM),
  setgid: (s) => (s.int(0) === gid ? 0 : -E.EPERM),
  issetugid: () => 0,
  getpgrp: (s) => s.p.pgid,
  getpgid: (s) => { const p = s.int(0) ? s.m.procs.get(s.int(0)) : s.p; return p ? p.pgid : -E.ESRCH; },
  getsid: (s) => { const p = s.int(0) ? s.m.procs.get(s.int(0)) : s.p; return p ? p.sid : -E.ESRCH; },
  setsid: (s) => { if (s.p.pgid === s.p.pid) return -E.EPERM; s.p.sid = s.p.pgid = s.p.pid; return s.p.pid; },
  setpgid: (s) => { const p = s.int(0) ? s.m.procs.get(s.int(0)) : s.p; if (!p) return -E.ESRCH; if (s.int(1) < 0) return -E.EINVAL; p.pgid = s.int(1) || p.pid; return 0; },
  getlogin: (s) => { const n = Buffer.from((process.env.USER ?? 'root') + '\0'); if (n.length > s.uint(1)) return -E.ERANGE; return s.p.space.write(s.ptr(0), n) ? 0 : -E.EFAULT; },
  setlogin: () => 0,
  getrlimit,
  setrlimit,
  getdtablesize: (s) => s.p.fds.limit,
  getrandom: (s) => { const n = Math.min(s.ptr(1), 1 << 20); const b = randomBytes(n); return s.p.space.write(s.ptr(0), b) ? n : -E.EFAULT; },
  getrusage: (s) => {
    const who = s.int(0);
    if (who !== 0 && who !== -1 && who !== 1) return -E.EINVAL;
    const u = process.cpuUsage();
    const tv = (us: number): { sec: bigint; usec: bigint } => ({ sec: BigInt(Math.floor(us / 1e6)), usec: BigInt(us % 1e6) });
    const b = Rusage.encode({ utime: tv(u.user), stime: tv(u.system), maxrss: BigInt(Math.floor(process.memoryUsage().rss / 1024)) });
    return s.p.space.write(s.ptr(1), b) ? 0 : -E.EFAULT;
  },
  setpriority: () => 0,
  getpriority: () => 0,
  rtprio: () => 0,
} satisfies Record<string, Handler>;
