// File attributes through *at paths and without following links: fchmodat,
// lchmod, fchownat, linkat, and the BSD file flags (chflags family) as far as
// Linux inode attributes (FS_IOC_GETFLAGS/SETFLAGS) can hold them.
import fs from 'node:fs';
import { E, fromLinuxErrno } from '../abi/errno.js';
import { AT_FDCWD, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW } from '../abi/flags.js';
import { guard, idArg } from './fs.js';
import { recordFlags } from '../files/bsdflags.js';
import { fdArg, FOLLOW, pathArg } from './util.js';
import type { Sys, SyscallDef, SyscallResult } from './types.js';

/** A path that is a symbolic link: Linux keeps no mode or attributes of its own for it. */
function isSymlink(host: string): boolean {
  try { return fs.lstatSync(host).isSymbolicLink(); } catch { return false; }
}

function chmodAt(s: Sys, dirfd: number, pathI: number, mode: number, flags: number): SyscallResult {
  if (flags & ~AT_SYMLINK_NOFOLLOW) return -E.EINVAL;
  const h = pathArg(s, pathI, dirfd, !(flags & AT_SYMLINK_NOFOLLOW));
  if (typeof h === 'number') return h;
  if (flags & AT_SYMLINK_NOFOLLOW && isSymlink(h)) return -E.EOPNOTSUPP;
  return guard(() => { fs.chmodSync(h, mode & 0o7777); return 0; });
}

function chownAt(s: Sys): SyscallResult {
  const flags = s.int(4);
  if (flags & ~AT_SYMLINK_NOFOLLOW) return -E.EINVAL;
  const h = pathArg(s, 1, s.int(0), !(flags & AT_SYMLINK_NOFOLLOW));
  if (typeof h === 'number') return h;
  const uid = idArg(s, 2), gid = idArg(s, 3);
  return guard(() => { (flags & AT_SYMLINK_NOFOLLOW ? fs.lchownSync : fs.chownSync)(h, uid, gid); return 0; });
}

function linkAt(s: Sys): SyscallResult {
  const flags = s.int(4);
  if (flags & ~AT_SYMLINK_FOLLOW) return -E.EINVAL;
  const from = pathArg(s, 1, s.int(0), (flags & AT_SYMLINK_FOLLOW) !== 0);
  if (typeof from === 'number') return from;
  const to = pathArg(s, 3, s.int(2));
  if (typeof to === 'number') return to;
  // Without AT_SYMLINK_FOLLOW a link to a symbolic link names the link itself (as link(2) on Linux does).
  return guard(() => { fs.linkSync(flags & AT_SYMLINK_FOLLOW ? fs.realpathSync(from) : from, to); return 0; });
}

// BSD flags that have a Linux inode attribute, and those attributes (linux/fs.h).
const UF_NODUMP = 0x1, UF_IMMUTABLE = 0x2, UF_APPEND = 0x4, SF_IMMUTABLE = 0x20000, SF_APPEND = 0x40000;
const FS_IMMUTABLE_FL = 0x10, FS_APPEND_FL = 0x20, FS_NODUMP_FL = 0x40;
const FLAG_MAP: [number, number][] = [
  [UF_NODUMP, FS_NODUMP_FL], [UF_IMMUTABLE | SF_IMMUTABLE, FS_IMMUTABLE_FL], [UF_APPEND | SF_APPEND, FS_APPEND_FL],
];
const MAPPED = FLAG_MAP.reduce((m, [bsd]) => m | bsd, 0);
const LINUX_MAPPED = FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL;
const FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602;

/** Set the flags on an open host descriptor: only the mapped ones; others EOPNOTSUPP. */
function setFlagsFd(s: Sys, fd: number, flags: number): SyscallResult {
  if (flags & ~MAPPED) return -E.EOPNOTSUPP;
  let want = 0;
  for (const [bsd, lx] of FLAG_MAP) if (flags & bsd) want |= lx;
  const b = Buffer.alloc(8);
  const host = s.m.host;
  const got = host.ioctlBuf(fd, FS_IOC_GETFLAGS, b);
  // A file system without inode attributes (tmpfs, overlays) can still have none set.
  if (got < 0) return want === 0 ? remember(fd, 0) : -E.EOPNOTSUPP;
  const cur = b.readInt32LE(0);
  const next = (cur & ~LINUX_MAPPED) | want;
  if (next === cur) return remember(fd, flags);
  b.writeInt32LE(next, 0);
  const r = host.ioctlBuf(fd, FS_IOC_SETFLAGS, b);
  if (r === 0) return remember(fd, flags);
  const e = fromLinuxErrno(-r);
  return e === E.ENOTTY || e === E.EINVAL ? -E.EOPNOTSUPP : -e;
}

/** The flags now on fd's inode, for stat's st_flags; the call's result (0). */
function remember(fd: number, flags: number): SyscallResult {
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    recordFlags(st.dev & 0xffffffffn, st.ino, flags);
  } catch { /* the flags are set; only st_flags will not show them */ }
  return 0;
}

/** chflags on a path; a symbolic link itself (nofollow) cannot carry Linux attributes. */
function chflagsPath(s: Sys, host: string | number, flags: number, follow: boolean): SyscallResult {
  if (typeof host === 'number') return host;
  if (!follow && isSymlink(host)) return flags === 0 ? 0 : -E.EOPNOTSUPP;
  return guard(() => {
    const fd = fs.openSync(host, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    try { return setFlagsFd(s, fd, flags); } finally { fs.closeSync(fd); }
  });
}

/** u_long flags: the high half never holds a DragonFly flag. */
const flagsArg = (s: Sys, i: number): number => (s.raw(i) >> 32n ? -1 : s.uint(i));

export const fileattrSyscalls: SyscallDef[] = [
  { num: 506, name: 'fchmodat', args: ['at', 'path', 'mode', 'hex'], support: 'partial', note: 'AT_SYMLINK_NOFOLLOW on a symbolic link: EOPNOTSUPP (Linux links have no mode)', fn: (s) => chmodAt(s, s.int(0), 1, s.int(2), s.int(3)) },
  { num: 274, name: 'lchmod', args: ['path', 'mode'], support: 'partial', note: 'a symbolic link itself: EOPNOTSUPP (Linux links have no mode)', fn: (s) => chmodAt(s, AT_FDCWD, 0, s.int(1), AT_SYMLINK_NOFOLLOW) },
  { num: 507, name: 'fchownat', args: ['at', 'path', 'int', 'int', 'hex'], support: 'full', fn: chownAt },
  { num: 531, name: 'linkat', args: ['at', 'path', 'at', 'path', 'hex'], support: 'full', fn: linkAt },
  {
    num: 34, name: 'chflags', args: ['path', 'hex'], support: 'partial', note: 'UF_NODUMP, UF/SF_IMMUTABLE, UF/SF_APPEND as Linux inode attributes; other flags EOPNOTSUPP. st_flags shows what guests of the same vkemu run set (reading the host attributes would double the cost of every stat)',
    fn: (s) => chflagsPath(s, pathArg(s, 0, AT_FDCWD, FOLLOW), flagsArg(s, 1), true),
  },
  {
    num: 391, name: 'lchflags', args: ['path', 'hex'], support: 'partial', note: 'as chflags; flags on a symbolic link itself EOPNOTSUPP',
    fn: (s) => chflagsPath(s, pathArg(s, 0), flagsArg(s, 1), false),
  },
  {
    num: 537, name: 'chflagsat', args: ['at', 'path', 'hex', 'hex'], support: 'partial', note: 'as chflags/lchflags',
    fn: (s) => (s.int(3) & ~AT_SYMLINK_NOFOLLOW ? -E.EINVAL : chflagsPath(s, pathArg(s, 1, s.int(0), !(s.int(3) & AT_SYMLINK_NOFOLLOW)), flagsArg(s, 2), !(s.int(3) & AT_SYMLINK_NOFOLLOW))),
  },
  {
    num: 35, name: 'fchflags', args: ['fd', 'hex'], support: 'partial', note: 'as chflags, on host-backed descriptors',
    fn: (s) => {
      const e = fdArg(s, 0);
      if (typeof e === 'number') return e;
      const fd = e.file.ops.hostFd;
      if (fd === undefined) return -E.EINVAL;
      return setFlagsFd(s, fd, flagsArg(s, 1));
    },
  },
];
