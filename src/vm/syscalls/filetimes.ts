// File times: utimensat (with UTIME_NOW / UTIME_OMIT), futimens, futimes, lutimes.
import { E, fromLinuxErrno } from '../abi/errno.js';
import { AT_SYMLINK_NOFOLLOW } from '../abi/flags.js';
import { Timespec, Timeval } from '../abi/structs.js';
import { fdHostPath, pathArg } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const UTIME_NOW = -1n, UTIME_OMIT = -2n;

const L_UTIME_NOW = 0x3fffffff, L_UTIME_OMIT = 0x3ffffffe;

/** Set a file's times from DragonFly timespec (or timeval, `usec`) pairs; null: now. */
function setTimes(s: Sys, host: string, times: Buffer | null, follow: boolean, usec: boolean): SyscallResult {
  const t: [number, number, number, number] = [0, L_UTIME_NOW, 0, L_UTIME_NOW];
  if (times) {
    const both = usec ? Timeval.readArray(times, 2).map((v) => ({ sec: v.sec, frac: v.usec }))
      : Timespec.readArray(times, 2).map((v) => ({ sec: v.sec, frac: v.nsec }));
    for (let i = 0; i < 2; i++) {
      const sec = both[i].sec;
      let frac = both[i].frac;
      if (!usec && frac === UTIME_NOW) { t[2 * i + 1] = L_UTIME_NOW; continue; }
      if (!usec && frac === UTIME_OMIT) { t[2 * i + 1] = L_UTIME_OMIT; continue; }
      if (usec) {
        if (frac < 0n || frac >= 1_000_000n) return -E.EINVAL;
        frac *= 1000n;
      } else if (frac < 0n || frac >= 1_000_000_000n) {
        return -E.EINVAL;
      }
      if (sec > 0x7fffffffffffn || sec < -0x7fffffffffffn) return -E.EINVAL;
      t[2 * i] = Number(sec);
      t[2 * i + 1] = Number(frac);
    }
  }
  const r = s.m.host.utimens(host, t, !follow);
  return r < 0 ? -fromLinuxErrno(-r) : 0;
}

function timesArg(s: Sys, i: number): Buffer | null | number {
  if (!s.ptr(i)) return null;
  return s.p.space.read(s.ptr(i), 2 * Timespec.size) ?? -E.EFAULT;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const fileTimesHandlers = {
  utimensat: (s) => {
    const t = timesArg(s, 2);
    if (typeof t === 'number') return t;
    const follow = !(s.int(3) & AT_SYMLINK_NOFOLLOW);
    const h = pathArg(s, 1, s.int(0), follow);
    return typeof h === 'number' ? h : setTimes(s, h, t, follow, false);
  },
  futimens: (s) => { const t = timesArg(s, 1); if (typeof t === 'number') return t; const h = fdHostPath(s, 0); return typeof h === 'number' ? h : setTimes(s, h, t, true, false); },
  futimes: (s) => { const t = timesArg(s, 1); if (typeof t === 'number') return t; const h = fdHostPath(s, 0); return typeof h === 'number' ? h : setTimes(s, h, t, true, true); },
  lutimes: (s) => { const t = timesArg(s, 1); if (typeof t === 'number') return t; const h = pathArg(s, 0); return typeof h === 'number' ? h : setTimes(s, h, t, false, true); },
} satisfies Record<string, Handler>;
