// BSD file flags (st_flags, the chflags family) on Linux files, kept across runs:
// - the whole flag word in an extended attribute, user.dragonfly.flags (4 bytes,
//   little-endian), where the host file system has user attributes;
// - the flags Linux can enforce also as inode attributes (FS_IOC_SETFLAGS):
//   UF_NODUMP as FS_NODUMP_FL, UF/SF_IMMUTABLE as FS_IMMUTABLE_FL, UF/SF_APPEND as
//   FS_APPEND_FL, so the host refuses writes as DragonFly would.
// A flag that can go in neither is EOPNOTSUPP. UF/SF_NOUNLINK, which Linux has no attribute
// for, vkemu enforces itself (removalRefused); the others without one (SF_ARCHIVED...) are
// kept and shown only.
//
// stat reads the attribute once per inode and change time: a cache keyed by device and
// inode answers while ctime is unchanged (setting either kind of attribute changes
// ctime, also when another run or the host's chattr does it).
import fs, { type BigIntStats } from 'node:fs';
import { E, fromLinuxErrno } from '../abi/errno.js';
import type { HostOs } from '../../host/hostos.js';

export const FLAGS_XATTR = 'user.dragonfly.flags';

const UF_NODUMP = 0x1, UF_IMMUTABLE = 0x2, UF_APPEND = 0x4, UF_NOUNLINK = 0x10, SF_IMMUTABLE = 0x20000, SF_APPEND = 0x40000, SF_NOUNLINK = 0x100000;
const UF_SETTABLE = 0x0000ffff, SF_SETTABLE = 0xffff0000;
// Linux inode attributes (linux/fs.h) and the BSD flags each stands for.
const FS_IMMUTABLE_FL = 0x10, FS_APPEND_FL = 0x20, FS_NODUMP_FL = 0x40;
const FLAG_MAP: [bsd: number, linux: number][] = [
  [UF_NODUMP, FS_NODUMP_FL], [UF_IMMUTABLE | SF_IMMUTABLE, FS_IMMUTABLE_FL], [UF_APPEND | SF_APPEND, FS_APPEND_FL],
];
const LINUX_MAPPED = FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL;
/** Inode attributes under which Linux refuses to change extended attributes. */
const LINUX_LOCKED = FS_IMMUTABLE_FL | FS_APPEND_FL;
const FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602;
const ENODATA = 61, ENOTSUP = 95, ENOTTY = 25, EINVAL = 22;

/** A host file to read flags from: an open descriptor, or a path (its last symlink followed or not). */
export type FlagsTarget = { fd: number } | { path: string; follow: boolean };

const cache = new Map<string, { ctimeNs: bigint; flags: number }>();
const CACHE_MAX = 8192;
const key = (st: BigIntStats): string => `${st.dev}:${st.ino}`;

function remember(st: BigIntStats, flags: number): void {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key(st), { ctimeNs: st.ctimeNs, flags });
}

const toLinux = (flags: number): number => FLAG_MAP.reduce((l, [bsd, lx]) => (flags & bsd ? l | lx : l), 0);
/** Without the attribute, the inode attributes read back as the owner's flags. */
const fromLinux = (attrs: number): number => (attrs & FS_NODUMP_FL ? UF_NODUMP : 0)
  | (attrs & FS_IMMUTABLE_FL ? UF_IMMUTABLE : 0) | (attrs & FS_APPEND_FL ? UF_APPEND : 0);

function getAttrs(host: HostOs, fd: number): number | undefined {
  const b = Buffer.alloc(8);
  return host.ioctlBuf(fd, FS_IOC_GETFLAGS, b) < 0 ? undefined : b.readInt32LE(0);
}

/** The flag word in the attribute: a number, 0 when there is none, or -errno (ENOTSUP: no user attributes here). */
function readXattr(host: HostOs, file: string | number, follow: boolean): number {
  const v = host.getXattr(file, FLAGS_XATTR, follow);
  if (typeof v === 'number') return v === -ENODATA ? 0 : v;
  return v.length >= 4 ? v.readUInt32LE(0) : 0;
}

/** st_flags for a host file whose stat is `st`. */
export function flagsOf(host: HostOs, st: BigIntStats, where: FlagsTarget): number {
  const hit = cache.get(key(st));
  if (hit && hit.ctimeNs === st.ctimeNs) return hit.flags;
  const file = 'fd' in where ? where.fd : where.path;
  let flags = readXattr(host, file, 'fd' in where || where.follow);
  // A file system without user attributes: the inode attributes are all there is
  // (read through a descriptor, so only for one the guest has open).
  if (flags === -ENOTSUP && 'fd' in where) flags = fromLinux(getAttrs(host, where.fd) ?? 0);
  if (flags < 0) flags = 0;
  remember(st, flags);
  return flags;
}

/**
 * EPERM when the host file at `path` carries UF_NOUNLINK or SF_NOUNLINK (DragonFly's
 * unlink, rmdir and rename refuse such a file, as source or as the target replaced), else 0;
 * a missing file is left to the operation itself to report.
 */
export function removalRefused(host: HostOs, path: string): number {
  let st: BigIntStats;
  try { st = fs.lstatSync(path, { bigint: true }); } catch { return 0; }
  if (st.isSymbolicLink()) return 0;
  return flagsOf(host, st, { path, follow: false }) & (UF_NOUNLINK | SF_NOUNLINK) ? -E.EPERM : 0;
}

/**
 * chflags on the host file open as `fd` (`st` its stat), by a caller with host uid
 * `uid`: 0 or -errno (DragonFly's). DragonFly's rules: the owner or root only; an owner
 * who is not root changes only the UF_ flags, and none while an SF_ flag that locks the
 * file is set; root sets any.
 */
export function setFlags(host: HostOs, fd: number, st: BigIntStats, uid: number, flags: number): number {
  if (uid !== 0 && BigInt(uid) !== st.uid) return -E.EPERM;
  const xold = readXattr(host, fd, true);
  const attrs = getAttrs(host, fd);
  const old = xold >= 0 ? xold : fromLinux(attrs ?? 0);
  if (uid !== 0) {
    if (old & (SF_NOUNLINK | SF_IMMUTABLE | SF_APPEND) || (flags & UF_SETTABLE) !== flags) return -E.EPERM;
    flags = (old & SF_SETTABLE) | flags;
  }
  flags >>>= 0;
  const want = toLinux(flags);
  const haveXattr = xold !== -ENOTSUP;
  // What cannot be kept: enforced flags without inode attributes, the rest without the extended one.
  if ((want !== 0 && attrs === undefined) || (!haveXattr && flags & ~(UF_NODUMP | UF_IMMUTABLE | SF_IMMUTABLE | UF_APPEND | SF_APPEND))) {
    return -E.EOPNOTSUPP;
  }
  const setAttrs = (v: number): number => {
    const b = Buffer.alloc(8);
    b.writeInt32LE(v, 0);
    return host.ioctlBuf(fd, FS_IOC_SETFLAGS, b);
  };
  const fail = (r: number): number => {
    const e = -r;
    return -(e === ENOTTY || e === EINVAL || e === ENOTSUP ? E.EOPNOTSUPP : fromLinuxErrno(e));
  };
  let now = attrs;
  // Linux refuses attribute changes on an immutable or append-only inode: unlock it first.
  if (now !== undefined && now & LINUX_LOCKED && haveXattr) {
    const r = setAttrs(now & ~LINUX_LOCKED);
    if (r < 0) return fail(r);
    now &= ~LINUX_LOCKED;
  }
  if (haveXattr && flags !== xold) {
    const v = Buffer.alloc(4);
    v.writeUInt32LE(flags >>> 0, 0);
    const r = host.setXattr(fd, FLAGS_XATTR, flags ? v : null, true);
    if (r < 0 && !(r === -ENODATA && !flags)) {
      if (now !== attrs) setAttrs(attrs!);
      return fail(r);
    }
  }
  const next = now === undefined ? undefined : (now & ~LINUX_MAPPED) | want;
  if (next !== undefined && next !== now) {
    const r = setAttrs(next);
    if (r < 0) {
      // Put back what was there: the old word, then the old inode attributes.
      if (haveXattr && flags !== xold) {
        const v = Buffer.alloc(4);
        v.writeUInt32LE(xold >>> 0, 0);
        host.setXattr(fd, FLAGS_XATTR, xold ? v : null, true);
      }
      if (attrs !== undefined) setAttrs(attrs);
      return fail(r);
    }
  }
  // The new change time: a file system without user attributes still shows the flags
  // by path for the rest of this run.
  try { remember(fs.fstatSync(fd, { bigint: true }), flags); } catch { cache.delete(key(st)); }
  return 0;
}
