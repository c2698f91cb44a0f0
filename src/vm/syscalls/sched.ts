// Scheduling requests vkemu only records or answers with the defaults: every
// guest thread runs on vkemu's one host thread, so priorities change nothing.
import { E } from '../abi/errno.js';
import { timespec } from './util.js';
import type { Sys, SyscallDef, SyscallResult } from './types.js';

const privileged = (process.getuid?.() ?? 0) === 0;
const SCHED_FIFO = 1, SCHED_OTHER = 2, SCHED_RR = 3;
const RTP_PRIO_MIN = 0, RTP_PRIO_MAX = 31, PRIO_MIN = -20, PRIO_MAX = 20;
/** The round-robin quantum: a tenth of a second. */
const RR_INTERVAL_NS = 100_000_000n;

/** pid 0 or a live process; otherwise ESRCH. */
function procOk(s: Sys, pid: number): number {
  if (pid < 0) return -E.EINVAL;
  const p = pid === 0 ? s.p : s.m.procs.get(pid);
  return p && p.state === 'running' ? 0 : -E.ESRCH;
}

function priorityBound(policy: number, max: boolean): SyscallResult {
  if (policy === SCHED_FIFO || policy === SCHED_RR) return max ? RTP_PRIO_MAX : RTP_PRIO_MIN;
  if (policy === SCHED_OTHER) return max ? PRIO_MAX : PRIO_MIN;
  return -E.EINVAL;
}

/** Real-time policies need the superuser; SCHED_OTHER is what every process already has. */
function setPolicy(s: Sys, pid: number, policy: number, paramp: number): SyscallResult {
  const ok = procOk(s, pid);
  if (ok) return ok;
  if (paramp && !s.p.space.read(paramp, 4)) return -E.EFAULT;
  if (policy !== SCHED_FIFO && policy !== SCHED_RR && policy !== SCHED_OTHER) return -E.EINVAL;
  return policy === SCHED_OTHER || privileged ? 0 : -E.EPERM;
}

export const schedSyscalls: SyscallDef[] = [
  { num: 327, name: 'sched_setparam', args: ['int', 'ptr'], support: 'partial', note: 'accepted, no effect', fn: (s) => setPolicy(s, s.int(0), SCHED_OTHER, s.ptr(1)) },
  {
    num: 328, name: 'sched_getparam', args: ['int', 'ptr'], support: 'full',
    fn: (s) => procOk(s, s.int(0)) || (s.p.space.write(s.ptr(1), Buffer.alloc(4)) ? 0 : -E.EFAULT),
  },
  { num: 329, name: 'sched_setscheduler', args: ['int', 'int', 'ptr'], support: 'partial', note: 'SCHED_OTHER accepted; real-time policies EPERM unless vkemu runs as root (then accepted, no effect)', fn: (s) => setPolicy(s, s.int(0), s.int(1), s.ptr(2)) },
  { num: 330, name: 'sched_getscheduler', args: ['int'], support: 'full', fn: (s) => procOk(s, s.int(0)) || SCHED_OTHER },
  { num: 332, name: 'sched_get_priority_max', args: ['int'], support: 'full', fn: (s) => priorityBound(s.int(0), true) },
  { num: 333, name: 'sched_get_priority_min', args: ['int'], support: 'full', fn: (s) => priorityBound(s.int(0), false) },
  {
    num: 334, name: 'sched_rr_get_interval', args: ['int', 'ptr'], support: 'full',
    fn: (s) => procOk(s, s.int(0)) || (s.p.space.write(s.ptr(1), timespec(RR_INTERVAL_NS)) ? 0 : -E.EFAULT),
  },
  { num: 498, name: 'lwp_rtprio', args: ['int', 'int', 'int', 'ptr'], support: 'partial', note: 'as rtprio: accepted, no effect', fn: () => 0 },
  { num: 520, name: 'ioprio_set', args: ['int', 'int', 'int'], support: 'partial', note: 'accepted, no effect', fn: () => 0 },
  { num: 521, name: 'ioprio_get', args: ['int', 'int'], support: 'partial', note: 'the default priority', fn: () => 0 },
  { num: 324, name: 'mlockall', args: ['hex'], support: 'partial', note: 'accepted: guest memory is never paged out by vkemu', fn: () => 0 },
  { num: 325, name: 'munlockall', args: [], support: 'full', fn: () => 0 },
];
