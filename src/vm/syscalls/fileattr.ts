// File attributes through *at paths and without following links: fchmodat,
// lchmod, fchownat, linkat, and the BSD file flags (chflags family; files/bsdflags.ts
// keeps them on the host).
import fs from 'node:fs';
import { E } from '../abi/errno.js';
import { AT_FDCWD, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW } from '../abi/flags.js';
import { guard, idArg } from './fs.js';
import { setFlags } from '../files/bsdflags.js';
import { fdArg, FOLLOW, pathArg } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

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

/** chflags on an open host descriptor (vm/files/bsdflags.ts keeps them). */
function setFlagsFd(s: Sys, fd: number, flags: number): SyscallResult {
  if (flags < 0) return -E.EOPNOTSUPP;
  return guard(() => setFlags(s.m.host, fd, fs.fstatSync(fd, { bigint: true }), uid, flags));
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

/** The host uid the guest runs as (see creds.ts): DragonFly lets the owner or root change flags. */
const uid = process.getuid?.() ?? 0;

/** u_long flags: the high half never holds a DragonFly flag. */
const flagsArg = (s: Sys, i: number): number => (s.raw(i) >> 32n ? -1 : s.uint(i));

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const fileattrHandlers = {
  fchmodat: (s) => chmodAt(s, s.int(0), 1, s.int(2), s.int(3)),
  lchmod: (s) => chmodAt(s, AT_FDCWD, 0, s.int(1), AT_SYMLINK_NOFOLLOW),
  fchownat: chownAt,
  linkat: linkAt,
  chflags: (s) => chflagsPath(s, pathArg(s, 0, AT_FDCWD, FOLLOW), flagsArg(s, 1), true),
  lchflags: (s) => chflagsPath(s, pathArg(s, 0), flagsArg(s, 1), false),
  chflagsat: (s) => (s.int(3) & ~AT_SYMLINK_NOFOLLOW ? -E.EINVAL : chflagsPath(s, pathArg(s, 1, s.int(0), !(s.int(3) & AT_SYMLINK_NOFOLLOW)), flagsArg(s, 2), !(s.int(3) & AT_SYMLINK_NOFOLLOW))),
  fchflags: (s) => {
    const e = fdArg(s, 0);
    if (typeof e === 'number') return e;
    const fd = e.file.ops.hostFd;
    if (fd === undefined) return -E.EINVAL;
    return setFlagsFd(s, fd, flagsArg(s, 1));
  },
} satisfies Record<string, Handler>;
