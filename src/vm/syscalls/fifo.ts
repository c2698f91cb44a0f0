// Named pipes: mkfifo/mkfifoat/mknod(S_IFIFO) on the host file system, and
// open(2) of one, connected in-process (files/fifo.ts).
import fs from 'node:fs';
import { E, fromLinuxErrno } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import { statFromNode } from '../files/hostfile.js';
import type { FileOps } from '../files/file.js';
import { pathArg } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const S_IFMT = 0o170000, S_IFIFO = 0o010000;

/** The host stat of path when it is a FIFO (following symlinks), else undefined. */
export function fifoStat(host: string): fs.BigIntStats | undefined {
  try {
    const st = fs.statSync(host, { bigint: true });
    return st.isFIFO() ? st : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Open a FIFO for the guest: install a descriptor for its pipe end and, for a
 * blocking open, wait for the other side (interruptible; the descriptor is
 * closed again when a signal ends the wait).
 */
export function openNamedPipe(s: Sys, host: string, st: fs.BigIntStats, flags: number,
  install: (ops: FileOps) => number): SyscallResult | Promise<SyscallResult> {
  if ((flags & (O.CREAT | O.EXCL)) === (O.CREAT | O.EXCL)) return -E.EEXIST;
  const r = s.k.fifos.open(`${st.dev}:${st.ino}`, flags, (p) => {
    let cur = st;
    try { cur = fs.statSync(host, { bigint: true }); } catch { /* unlinked: keep the old stat */ }
    return { ...statFromNode(cur), size: BigInt(p.size()) };
  });
  if (typeof r === 'number') return r;
  const fd = install(r.ops);
  if (fd < 0 || !r.waitFor) return fd;
  const pipe = r.pipe;
  const arrived = (): boolean => (r.waitFor === 'writer' ? pipe.writers > 0 : pipe.readers > 0);
  if (arrived()) return fd;
  return s.m.block(s.t, `open fifo (waiting for a ${r.waitFor})`, true, (done) => {
    return pipe.onChange(() => { if (arrived()) done(fd); });
  }).then((res) => {
    if (res < 0) s.p.fds.close(fd);
    return res;
  });
}

function makeFifo(s: Sys, host: string | number, mode: number): SyscallResult {
  if (typeof host === 'number') return host;
  const r = s.m.host.mkfifo(host, mode & ~s.p.umask & 0o7777);
  return r < 0 ? -fromLinuxErrno(-r) : 0;
}

function mknod(s: Sys, host: string | number, mode: number): SyscallResult {
  if ((mode & S_IFMT) !== S_IFIFO) return -E.EPERM;
  return makeFifo(s, host, mode);
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const fifoHandlers = {
  mkfifo: (s) => makeFifo(s, pathArg(s, 0), s.int(1)),
  mkfifoat: (s) => makeFifo(s, pathArg(s, 1, s.int(0)), s.int(2)),
  mknod: (s) => mknod(s, pathArg(s, 0), s.int(1)),
  mknodat: (s) => mknod(s, pathArg(s, 1, s.int(0)), s.int(2)),
} satisfies Record<string, Handler>;
