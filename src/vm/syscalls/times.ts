// File times: utimensat (with UTIME_NOW / UTIME_OMIT), futimens, futimes, lutimes.
import fs from 'node:fs';
import { E, fromNodeError } from '../abi/errno.js';
import { AT_SYMLINK_NOFOLLOW } from '../abi/flags.js';
import { fdArg, pathArg } from './util.js';
import type { Sys, SyscallDef, SyscallResult } from './types.js';

const UTIME_NOW = -1n, UTIME_OMIT = -2n;

/** Seconds (with fraction) from a timespec pair entry, or now / keep. */
function pick(b: Buffer | null, i: number, current: number): number | number {
  if (!b) return Date.now() / 1000;
  const sec = b.readBigInt64LE(i * 16), nsec = b.readBigInt64LE(i * 16 + 8);
  if (nsec === UTIME_NOW) return Date.now() / 1000;
  if (nsec === UTIME_OMIT) return current;
  return Number(sec) + Number(nsec) / 1e9;
}

function setTimes(host: string, times: Buffer | null, follow: boolean, usec: boolean): SyscallResult {
  try {
    const st = follow ? fs.statSync(host) : fs.lstatSync(host);
    let tb = times;
    if (tb && usec) {
      // timeval pairs -> timespec pairs
      const c = Buffer.alloc(32);
      for (let i = 0; i < 2; i++) {
        const us = tb.readBigInt64LE(i * 16 + 8);
        if (us < 0n || us >= 1_000_000n) return -E.EINVAL;
        c.writeBigInt64LE(tb.readBigInt64LE(i * 16), i * 16);
        c.writeBigInt64LE(us * 1000n, i * 16 + 8);
      }
      tb = c;
    }
    if (tb) {
      for (let i = 0; i < 2; i++) {
        const ns = tb.readBigInt64LE(i * 16 + 8);
        if (ns !== UTIME_NOW && ns !== UTIME_OMIT && (ns < 0n || ns >= 1_000_000_000n)) return -E.EINVAL;
      }
    }
    const at = pick(tb, 0, st.atimeMs / 1000), mt = pick(tb, 1, st.mtimeMs / 1000);
    if (follow) fs.utimesSync(host, at, mt);
    else fs.lutimesSync(host, at, mt);
    return 0;
  } catch (e) {
    return -fromNodeError(e);
  }
}

function timesArg(s: Sys, i: number): Buffer | null | number {
  if (!s.ptr(i)) return null;
  return s.p.space.read(s.ptr(i), 32) ?? -E.EFAULT;
}

function fdPath(s: Sys, i: number): string | number {
  const e = fdArg(s, i);
  if (typeof e === 'number') return e;
  if (e.file.ops.hostPath) return e.file.ops.hostPath;
  if (e.file.ops.hostFd !== undefined) return `/proc/self/fd/${e.file.ops.hostFd}`;
  return -E.EINVAL;
}

export const timesSyscalls: SyscallDef[] = [
  {
    num: 539, name: 'utimensat', args: ['at', 'path', 'ptr', 'hex'], support: 'full',
    fn: (s) => {
      const t = timesArg(s, 2);
      if (typeof t === 'number') return t;
      const h = pathArg(s, 1, s.int(0));
      return typeof h === 'number' ? h : setTimes(h, t, !(s.int(3) & AT_SYMLINK_NOFOLLOW), false);
    },
  },
  {
    num: 206, name: 'futimes', args: ['fd', 'ptr'], support: 'full',
    fn: (s) => { const t = timesArg(s, 1); if (typeof t === 'number') return t; const h = fdPath(s, 0); return typeof h === 'number' ? h : setTimes(h, t, true, true); },
  },
  {
    num: 276, name: 'lutimes', args: ['path', 'ptr'], support: 'full',
    fn: (s) => { const t = timesArg(s, 1); if (typeof t === 'number') return t; const h = pathArg(s, 0); return typeof h === 'number' ? h : setTimes(h, t, false, true); },
  },
];
