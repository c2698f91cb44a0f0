// File-system statistics: statfs, fstatfs, getfsstat, statvfs, fstatvfs.
import fs from 'node:fs';
import { E, fromNodeError } from '../abi/errno.js';
import { AT_FDCWD } from '../abi/flags.js';
import { fdHostPath, FOLLOW, pathArg } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const MNT_LOCAL = 0x1000;

function hostStatfs(host: string): fs.StatsFs | number {
  try {
    return fs.statfsSync(host);
  } catch (e) {
    return -fromNodeError(e);
  }
}

/** DragonFly struct statfs (320 bytes, vkernel-host-abi.md §7.3). */
function encodeStatfs(st: fs.StatsFs, mnton: string): Buffer {
  const b = Buffer.alloc(320);
  const n = (v: number | bigint): bigint => BigInt(v);
  b.writeBigInt64LE(n(st.bsize), 8);
  b.writeBigInt64LE(n(st.bsize), 16);
  b.writeBigInt64LE(n(st.blocks), 24);
  b.writeBigInt64LE(n(st.bfree), 32);
  b.writeBigInt64LE(n(st.bavail), 40);
  b.writeBigInt64LE(n(st.files), 48);
  b.writeBigInt64LE(n(st.ffree), 56);
  b.writeInt32LE(Number(st.type) | 0, 64);
  b.writeUInt32LE(process.getuid?.() ?? 0, 72);
  b.writeInt32LE(MNT_LOCAL, 80);
  b.write('ufs', 104, 15, 'latin1');
  b.write(mnton, 120, 79, 'utf8');
  b.write('/dev/vkemu0', 218, 79, 'latin1');
  return b;
}

/** DragonFly struct statvfs (160 bytes). */
function encodeStatvfs(st: fs.StatsFs): Buffer {
  const b = Buffer.alloc(160);
  const n = (v: number | bigint): bigint => BigInt(v);
  b.writeBigUInt64LE(n(st.bsize), 0);
  b.writeBigUInt64LE(n(st.bsize), 8);
  b.writeBigUInt64LE(n(st.blocks), 16);
  b.writeBigUInt64LE(n(st.bfree), 24);
  b.writeBigUInt64LE(n(st.bavail), 32);
  b.writeBigUInt64LE(n(st.files), 40);
  b.writeBigUInt64LE(n(st.ffree), 48);
  b.writeBigUInt64LE(n(st.ffree), 56);
  b.writeBigUInt64LE(255n, 80);
  return b;
}

function out(s: Sys, host: string | number, addr: number, enc: (st: fs.StatsFs) => Buffer): SyscallResult {
  if (typeof host === 'number') return host;
  const st = hostStatfs(host);
  if (typeof st === 'number') return st;
  return s.p.space.write(addr, enc(st)) ? 0 : -E.EFAULT;
}

const STATFS_SIZE = 320, STATVFS_SIZE = 160;

// getvfsstat(statfs *buf, statvfs *vbuf, long vbufsize, int flags): the count of
// file systems, or how many fit vbuf (its size decides; buf is filled alongside).
function getvfsstat(s: Sys): SyscallResult {
  const buf = s.ptr(0), vbuf = s.ptr(1), max = Math.max(0, Math.floor(s.long(2) / STATVFS_SIZE));
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
    if (size < STATFS_SIZE) return 0;
    const st = hostStatfs(s.m.resolvePath(s.p, '/'));
    if (typeof st === 'number') return st;
    return s.p.space.write(buf, encodeStatfs(st, '/')) ? 1 : -E.EFAULT;
  },
} satisfies Record<string, Handler>;
