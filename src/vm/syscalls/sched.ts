// Scheduling requests vkemu only records or answers with the defaults: every
// guest thread runs on vkemu's one host thread, so priorities change nothing.
import { E } from '../abi/errno.js';
import { timespec } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

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

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const schedHandlers = {
  sched_setparam: (s) => setPolicy(s, s.int(0), SCHED_OTHER, s.ptr(1)),
  sched_getparam: (s) => procOk(s, s.int(0)) || (s.p.space.write(s.ptr(1), Buffer.alloc(4)) ? 0 : -E.EFAULT),
  sched_setscheduler: (s) => setPolicy(s, s.int(0), s.int(1), s.ptr(2)),
  sched_getscheduler: (s) => procOk(s, s.int(0)) || SCHED_OTHER,
  sched_get_priority_max: (s) => priorityBound(s.int(0), true),
  sched_get_priority_min: (s) => priorityBound(s.int(0), false),
  sched_rr_get_interval: (s) => procOk(s, s.int(0)) || (s.p.space.write(s.ptr(1), timespec(RR_INTERVAL_NS)) ? 0 : -E.EFAULT),
  lwp_rtprio: () => 0,
  ioprio_set: () => 0,
  ioprio_get: () => 0,
  mlockall: () => 0,
  munlockall: () => 0,
} satisfies Record<string, Handler>;
