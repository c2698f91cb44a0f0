// Thread names and CPU affinity: lwp_getname, lwp_setaffinity, lwp_getaffinity.
// vkemu runs every guest thread on one host thread, so a mask only has to be
// remembered and reported (restricted to the CPUs hw.ncpu announces).
import { hostCpus } from '../../host/cpus.js';
import { E } from '../abi/errno.js';
import type { GuestThread } from '../thread.js';
import type { Process } from '../process.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const privileged = (process.getuid?.() ?? 0) === 0;
/** cpumask_t: four 64-bit words. */
const CPUMASK_SIZE = 32;
/** The CPUs hw.ncpu announces, as a mask. */
const active = (): bigint => (1n << BigInt(hostCpus())) - 1n;
/** LPMAP_MAXTHREADTITLE: a thread title holds at most this many bytes with its NUL. */
const MAX_TITLE = 1024;

const masks = new WeakMap<GuestThread, bigint>();

function readMask(b: Buffer): bigint {
  let m = 0n;
  for (let i = 3; i >= 0; i--) m = (m << 64n) | b.readBigUInt64LE(i * 8);
  return m;
}

function encodeMask(m: bigint): Buffer {
  const b = Buffer.alloc(CPUMASK_SIZE);
  for (let i = 0; i < 4; i++) b.writeBigUInt64LE((m >> BigInt(64 * i)) & 0xffffffffffffffffn, i * 8);
  return b;
}

/** pid 0: the caller; negative: EINVAL; unknown: ESRCH. */
function procArg(s: Sys, pid: number): Process | number {
  if (pid < 0) return -E.EINVAL;
  const p = pid === 0 ? s.p : s.m.procs.get(pid);
  return p && p.state === 'running' ? p : -E.ESRCH;
}

function getaffinity(s: Sys): SyscallResult {
  const p = procArg(s, s.int(0));
  if (typeof p === 'number') return p;
  const tid = s.int(1);
  // A negative tid names the process's first thread.
  const t = tid < 0 ? p.liveThreads().sort((a, b) => a.tid - b.tid)[0] : p.threads.get(tid);
  if (!t) return -E.ESRCH;
  return s.p.space.write(s.ptr(2), encodeMask((masks.get(t) ?? active()) & active())) ? 0 : -E.EFAULT;
}

function setaffinity(s: Sys): SyscallResult {
  const pid = s.int(0), tid = s.int(1);
  if (pid !== 0 && !privileged) return -E.EPERM;
  const b = s.p.space.read(s.ptr(2), CPUMASK_SIZE);
  if (!b) return -E.EFAULT;
  const mask = readMask(b) & active();
  if (mask === 0n) return -E.EPERM;
  const p = procArg(s, pid);
  if (typeof p === 'number') return p;
  const targets = tid < 0 ? p.liveThreads() : [p.threads.get(tid)];
  for (const t of targets) {
    if (!t) return -E.ESRCH;
    masks.set(t, mask);
  }
  return 0;
}

function getname(s: Sys): SyscallResult {
  const tid = s.int(0), len = s.ptr(2);
  const t = s.p.threads.get(tid === -1 ? s.t.tid : tid);
  // DragonFly answers an unknown thread with an empty name (its copy-out's status wins) when len > 0.
  const name = Buffer.from(t?.name ?? '');
  if (len === 0) return t ? 0 : -E.ESRCH;
  const n = Math.min(name.length, MAX_TITLE - 1, len - 1);
  const out = Buffer.alloc(n + 1);
  name.copy(out, 0, 0, n);
  return s.p.space.write(s.ptr(1), out) ? 0 : -E.EFAULT;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const affinityHandlers = {
  lwp_getname: getname,
  lwp_setaffinity: setaffinity,
  lwp_getaffinity: getaffinity,
} satisfies Record<string, Handler>;
