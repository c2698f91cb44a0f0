// setitimer / getitimer: the three interval timers of a process (../itimer.ts).
// alarm(3) and ualarm(3) in DragonFly's libc are setitimer(ITIMER_REAL).
import { E } from '../abi/errno.js';
import type { Contents } from '../abi/layout.js';
import { Itimerval, type Timeval } from '../abi/structs.js';
import { ITIMER_PROF, ProcessTimers, type ItimerValue } from '../itimer.js';
import type { Process } from '../process.js';
import type { Sys, SyscallResult, Handler } from './types.js';

/** A non-zero value below one clock tick (hz 100) is rounded up to it, as DragonFly does. */
const USTICK = 10_000n;

/** A timeval as ns, or undefined when DragonFly's itimerfix refuses it. */
function timevalNs({ sec, usec }: Contents<typeof Timeval>): bigint | undefined {
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) return undefined;
  if (sec === 0n && usec !== 0n && usec < USTICK) usec = USTICK;
  return sec * 1_000_000_000n + usec * 1000n;
}

function encodeItimerval(v: ItimerValue): Buffer {
  const tv = (ns: bigint): { sec: bigint; usec: bigint } => ({ sec: BigInt.asIntN(64, ns / 1_000_000_000n), usec: (ns % 1_000_000_000n) / 1000n });
  return Itimerval.encode({ interval: tv(v.intervalNs), value: tv(v.valueNs) });
}

function timersOf(s: Sys): ProcessTimers {
  const p: Process = s.p;
  p.itimers ??= new ProcessTimers({
    now: () => s.m.clock.monotonicNs(),
    timer: (at, fire) => s.m.timer(at, fire),
    post: (sig) => s.m.postSignal(p, sig),
  });
  return p.itimers;
}

/** `which` is unsigned in DragonFly: negative values are as out of range as 3. */
const badWhich = (which: number): boolean => which >>> 0 > ITIMER_PROF;

function getitimer(s: Sys): SyscallResult {
  const which = s.int(0);
  if (badWhich(which)) return -E.EINVAL;
  const v = s.p.itimers?.get(which) ?? { intervalNs: 0n, valueNs: 0n };
  return s.p.space.write(s.ptr(1), encodeItimerval(v)) ? 0 : -E.EFAULT;
}

// DragonFly's order: read the new value (EFAULT), write the old one (EFAULT), then validate (EINVAL).
function setitimer(s: Sys): SyscallResult {
  const which = s.int(0), itv = s.ptr(1), oitv = s.ptr(2);
  if (badWhich(which)) return -E.EINVAL;
  let b: Buffer | null = null;
  if (itv) {
    b = s.p.space.read(itv, Itimerval.size);
    if (!b) return -E.EFAULT;
  }
  if (oitv) {
    const old = s.p.itimers?.get(which) ?? { intervalNs: 0n, valueNs: 0n };
    if (!s.p.space.write(oitv, encodeItimerval(old))) return -E.EFAULT;
  }
  if (!b) return 0;
  const v = Itimerval.read(b);
  const valueNs = timevalNs(v.value);
  if (valueNs === undefined) return -E.EINVAL;
  // A disarming value ignores the interval; an arming one must have a valid interval too.
  const intervalNs = valueNs === 0n ? 0n : timevalNs(v.interval);
  if (intervalNs === undefined) return -E.EINVAL;
  if (valueNs === 0n && !s.p.itimers) return 0;
  timersOf(s).set(which, { intervalNs, valueNs });
  return 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const itimerHandlers = {
  setitimer,
  getitimer,
} satisfies Record<string, Handler>;
