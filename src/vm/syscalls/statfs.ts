// File-system statistics: statfs, fstatfs, getfsstat, statvfs, fstatvfs.
import fs from 'node:fs';
import { E, fromNodeError } from '../abi/errno.js';
import { AT_FDCWD } from '../abi/flags.js';
import { Statfs, Statvfs } from '../abi/structs.js';
import { fdHostPath, FOLLOW, pathArg } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const MNT_LOCAL = 0x1000;
/** char f_fstypename[MFSNAMELEN], f_mntonname[MNAMELEN], f_mntfromname[MNAMELEN]. */
const MFSNAMELEN = 16, MNAMELEN = 80;

function hostStatfs(host: string): fs.StatsFs | number {
  try {
    return fs.statfsSync(host);
  } catch (e) {
    return -fromNodeError(e);
  }
}

/** DragonFly struct statfs (vkernel-host-abi.md §7.3): the host's figures; vkemu's guests see local UFS. */
function encodeStatfs(st: fs.StatsFs, mnton: string): Buffer {
  const n = (v: number | bigint): bigint => BigInt(v);
  const b = Statfs.encode({
    bsize: n(st.bsize), iosize: n(st.bsize), blocks: n(st.blocks), bfree: n(st.bfree), bavail: n(st.bavail),
    files: n(st.files), ffree: n(st.ffree), fsid0: Number(st.type) | 0, owner: process.getuid?.() ?? 0, flags: MNT_LOCAL,
  });
  const str = (field: 'fstypename' | 'mntonname' | 'mntfromname', v: string, room: number, enc: BufferEncoding): void => {
    b.write(v, Statfs.off[field], room - 1, enc);
  };
  str('fstypename', 'ufs', MFSNAMELEN, 'latin1');
  str('mntonname', mnton, MNAMELEN, 'utf8');
  str('mntfromname', '/dev/vkemu0', MNAMELEN, 'latin1');
  return b;
}

/** DragonFly struct statvfs. */
function encodeStatvfs(st: fs.StatsFs): Buffer {
  const n = (v: number | bigint): bigint => BigInt(v);
  return Statvfs.encode({
    bsize: n(st.bsize), frsize: n(st.bsize), blocks: n(st.blocks), bfree: n(st.bfree), bavail: n(st.bavail),
    files: n(st.files), ffree: n(st.ffree), favail: n(st.ffree), namemax: 255n,
  });
}

function out(s: Sys, host: string | number, addr: number, enc: (st: fs.StatsFs) => Buffer): SyscallResult {
  if (typeof host === 'number') return host;
  const st = hostStatfs(host);
  if (typeof st === 'number') return st;
  return s.p.space.write(addr, enc(st)) ? 0 : -E.EFAULT;
}


// getvfsstat(statfs *buf, statvfs *vbuf, long vbufsize, int flags): the count of
// file systems, or how many fit vbuf (its size decides; buf is filled alongside).
function getvfsstat(s: Sys): SyscallResult {
  const buf = s.ptr(0), vbuf = s.ptr(1), max = Math.max(0, Math.floor(s.long(2) / Statvfs.size));
  if (!vbuf) return 1;
  if (max < 1) return 0;
  const st = hostStatfs(s.m.resolvePath(s.p, '/'));
  if (typeof st === 'number') return st;
  if (buf && !s.p.space.write(buf, encodeStatfs(st, '/'))) return -E.EFAULT;
  return s.p.space.write(vbuf, encodeStatvfs(st)) ? 1 : -E.EFAULT;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const statfsHandlers = {
  getvfsstat,
  statfs: (s) => out(s, pathArg(s, 0, AT_FDCWD, FOLLOW), s.ptr(1), (st) => encodeStatfs(st, '/')),
  fstatfs: (s) => out(s, fdHostPath(s, 0), s.ptr(1), (st) => encodeStatfs(st, '/')),
  statvfs: (s) => out(s, pathArg(s, 0, AT_FDCWD, FOLLOW), s.ptr(1), encodeStatvfs),
  fstatvfs: (s) => out(s, fdHostPath(s, 0), s.ptr(1), encodeStatvfs),
  getfsstat: (s) => {
    const buf = s.ptr(0), size = s.int(1);
    if (!buf) return 1;
    if (size < Statfs.size) return 0;
    const st = hostStatfs(s.m.resolvePath(s.p, '/'));
    if (typeof st === 'number') return st;
    return s.p.space.write(buf, encodeStatfs(st, '/')) ? 1 : -E.EFAULT;
  },
} satisfies Record<string, Handler>;
