// Clocks and sleeping (file times are in filetimes.ts).
import { E } from '../abi/errno.js';
import { CLOCK } from '../abi/flags.js';
import { Timespec, Timeval } from '../abi/structs.js';
import { copyout, timespec, timespecNs } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

// DragonFly clock ids (vkernel-host-abi.md §5.6).
const REALTIME = new Set<number>([CLOCK.REALTIME, CLOCK.REALTIME_PRECISE, CLOCK.REALTIME_FAST, CLOCK.SECOND]);
const MONOTONIC = new Set<number>([CLOCK.MONOTONIC, CLOCK.UPTIME, CLOCK.UPTIME_PRECISE, CLOCK.UPTIME_FAST,
  CLOCK.MONOTONIC_PRECISE, CLOCK.MONOTONIC_FAST]);
const CPUTIME = new Set<number>([CLOCK.VIRTUAL, CLOCK.PROF, CLOCK.THREAD_CPUTIME_ID, CLOCK.PROCESS_CPUTIME_ID]);

export function clockNs(s: Sys, id: number): bigint | undefined {
  if (REALTIME.has(id)) {
    const ns = s.m.clock.realtimeNs();
    return id === CLOCK.SECOND ? (ns / 1_000_000_000n) * 1_000_000_000n : ns;
  }
  if (MONOTONIC.has(id)) return s.m.clock.monotonicNs();
  if (CPUTIME.has(id)) return s.m.clock.virtual ? s.m.clock.monotonicNs() : process.hrtime.bigint();
  return undefined;
}

/** Sleep for ns (interruptible); resolves to 0 or -EINTR with the remaining time. */
export function sleepNs(s: Sys, ns: bigint, what: string): Promise<{ r: number; left: bigint }> {
  const end = s.m.clock.monotonicNs() + ns;
  return s.m.block(s.t, what, true, (done) => s.m.timer(end, () => done(0))).then((r) => ({
    r, left: r < 0 ? (() => { const l = end - s.m.clock.monotonicNs(); return l > 0n ? l : 0n; })() : 0n,
  }));
}

function nanosleep(s: Sys): SyscallResult | Promise<SyscallResult> {
  const rq = s.p.space.read(s.ptr(0), Timespec.size);
  if (!rq) return -E.EFAULT;
  const ns = timespecNs(Timespec.read(rq));
  if (typeof ns === 'number') return ns;
  const rm = s.ptr(1);
  return sleepNs(s, ns, 'nanosleep').then(({ r, left }) => {
    if (r < 0 && rm && !s.p.space.write(rm, timespec(left))) return -E.EFAULT;
    return r;
  });
}

// CPU-time clock ids (getcpuclockid): the bit, the pid below it, the lwp id above.
const CPUCLOCK_BIT = 0x80000000n;

/** A clockid_t argument: a fixed id, or a CPU clock of an existing process (undefined: EINVAL). */
function clockArg(s: Sys, i: number): bigint | undefined {
  const id = s.raw(i);
  if (!(id & CPUCLOCK_BIT)) return id < 64n ? clockNs(s, Number(id)) : undefined;
  const pid = Number(id & 0x7fffffffn), tid = Number((id >> 32n) & 0x7fffffffn);
  const p = s.m.procs.get(pid);
  if (!p || p.state !== 'running' || (tid && !p.threads.has(tid))) return undefined;
  // Guest processes share vkemu's host process: its CPU time stands for theirs.
  return s.m.clock.virtual ? s.m.clock.monotonicNs() : process.hrtime.bigint();
}

function getcpuclockid(s: Sys): SyscallResult {
  const pid = s.int(0) || s.p.pid, tid = s.int(1);
  const p = s.m.procs.get(pid);
  if (!p || p.state !== 'running') return -E.ESRCH;
  if (tid < 0) return -E.EINVAL;
  if (tid > 0 && !p.threads.has(tid)) return -E.ESRCH;
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(tid) << 32n) | BigInt(pid) | CPUCLOCK_BIT, 0);
  return copyout(s, s.ptr(2), b);
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const clockHandlers = {
  getcpuclockid,
  clock_gettime: (s) => { const ns = clockArg(s, 0); return ns === undefined ? -E.EINVAL : copyout(s, s.ptr(1), timespec(ns)); },
  clock_getres: (s) => {
    if (clockArg(s, 0) === undefined) return -E.EINVAL;
    if (!s.ptr(1)) return 0;
    return copyout(s, s.ptr(1), timespec(s.raw(0) === 13n ? 1_000_000_000n : 1n));
  },
  gettimeofday: (s) => {
    const ns = s.m.clock.realtimeNs();
    if (s.ptr(0)) {
      const b = Timeval.encode({ sec: ns / 1_000_000_000n, usec: (ns % 1_000_000_000n) / 1000n });
      if (copyout(s, s.ptr(0), b)) return -E.EFAULT;
    }
    if (s.ptr(1) && copyout(s, s.ptr(1), Buffer.alloc(8))) return -E.EFAULT;
    return 0;
  },
  nanosleep,
} satisfies Record<string, Handler>;
