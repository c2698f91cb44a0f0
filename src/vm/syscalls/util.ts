// Helpers shared by system-call handlers: guest strings, paths, structs.
import fs from 'node:fs';
import path from 'node:path';
import { E } from '../abi/errno.js';
import { AT_FDCWD } from '../abi/flags.js';
import { Iovec, Stat, Timespec } from '../abi/structs.js';
import { keepSlash } from '../cwd.js';
import { resolveInRoot, startAt } from '../rootpath.js';
import type { StatInfo, FdEntry } from '../files/file.js';
import type { Sys } from './types.js';

export const PATH_MAX = 1024;

/** A NUL-terminated guest string, or -EFAULT / -ENAMETOOLONG. */
export function cstring(s: Sys, addr: number, max = PATH_MAX): string | number {
  const b = s.p.space.readCString(addr, max);
  if (b === null) return -E.EFAULT;
  if (b === false) return -E.ENAMETOOLONG;
  return b.toString('utf8');
}

/**
 * Host path for a guest path relative to dirfd (AT_FDCWD or a directory fd). `follow`:
 * the call follows a symlink in the last component (see Machine.resolvePath).
 */
export function atPath(s: Sys, dirfd: number, guest: string, follow = false): string | number {
  if (guest === '') return -E.ENOENT;
  if (guest.startsWith('/') || dirfd === AT_FDCWD) return s.m.resolvePath(s.p, guest, follow);
  const e = s.p.fds.get(dirfd);
  if (!e) return -E.EBADF;
  if (e.file.ops.kind !== 'dir' || !e.file.ops.hostPath) return -E.ENOTDIR;
  // In a guest root, vkemu walks from the directory (absolute links start at the root).
  const root = s.m.guestRoot(s.p);
  const hostFd = e.file.ops.hostFd;
  const start = root && startAt(root, livePath(hostFd, e.file.ops.hostPath), hostFd !== undefined ? `/proc/self/fd/${hostFd}` : e.file.ops.hostPath);
  if (root && start) return resolveInRoot(root, guest, start, follow);
  // Through the descriptor, not its path: the directory may have been renamed
  // since it was opened, and deep trees stay within the host's PATH_MAX.
  // The name is passed on as it is, so the host resolves '.', '..' and symlinks.
  if (e.file.ops.hostFd !== undefined) return `/proc/self/fd/${e.file.ops.hostFd}/${guest}`;
  return keepSlash(guest, path.resolve(e.file.ops.hostPath, guest));
}

/** The current host path of an open host descriptor (it follows renames), or `fallback`. */
export function livePath(hostFd: number | undefined, fallback: string): string {
  if (hostFd === undefined) return fallback;
  try {
    const p = fs.readlinkSync(`/proc/self/fd/${hostFd}`);
    return p.startsWith('/') && !p.endsWith(' (deleted)') ? p : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Path argument i resolved against dirfd (default: cwd). Calls that follow a symlink in
 * the last component (stat, open, chmod...) say so with `follow`: in a guest root vkemu
 * follows it (an absolute target is under the root); the others act on the link.
 */
export function pathArg(s: Sys, i: number, dirfd = AT_FDCWD, follow = false): string | number {
  const g = cstring(s, s.ptr(i));
  if (typeof g === 'number') return g;
  return atPath(s, dirfd, g, follow);
}

/** Argument value for `follow`: the call follows a symlink in the last component. */
export const FOLLOW = true;

export function fdArg(s: Sys, i: number): FdEntry | number {
  return s.p.fds.get(s.int(i)) ?? -E.EBADF;
}

/** A host path naming descriptor argument i's file (its path, or /proc/self/fd/N). */
export function fdHostPath(s: Sys, i: number): string | number {
  const e = fdArg(s, i);
  if (typeof e === 'number') return e;
  if (e.file.ops.hostPath) return e.file.ops.hostPath;
  if (e.file.ops.hostFd !== undefined) return `/proc/self/fd/${e.file.ops.hostFd}`;
  return -E.EINVAL;
}

/** struct iovec[cnt] at addr -> [base, len] pairs, or -errno. */
export function readIovecs(s: Sys, addr: number, cnt: number): [number, number][] | number {
  if (cnt < 0 || cnt > 1024) return -E.EINVAL;
  const v = cnt ? s.p.space.read(addr, cnt * Iovec.size) : Buffer.alloc(0);
  if (!v) return -E.EFAULT;
  return Iovec.readArray(v, cnt).map((io) => [Number(io.base), Number(io.len)]);
}

/** Copy the first n bytes of buf out across the iovec parts: n, or -EFAULT. */
export function scatter(s: Sys, parts: [number, number][], buf: Buffer, n: number): number {
  let off = 0;
  for (const [b, l] of parts) {
    const k = Math.min(l, n - off);
    if (k <= 0) break;
    if (!s.p.space.write(b, buf, off, k)) return -E.EFAULT;
    off += k;
  }
  return n;
}

/** A time in ns as a struct timespec's fields. */
export function timespecOf(ns: bigint): { sec: bigint; nsec: bigint } {
  return { sec: ns / 1_000_000_000n, nsec: ns % 1_000_000_000n };
}

/** DragonFly struct stat. */
export function encodeStat(st: StatInfo): Buffer {
  return Stat.encode({
    ino: st.ino, nlink: st.nlink >>> 0, dev: st.dev >>> 0, mode: st.mode & 0xffff, uid: st.uid >>> 0, gid: st.gid >>> 0,
    rdev: st.rdev >>> 0, atim: timespecOf(st.atimeNs), mtim: timespecOf(st.mtimeNs), ctim: timespecOf(st.ctimeNs),
    size: st.size, blocks: st.blocks, oldBlksize: st.blksize >>> 0, flags: (st.flags ?? 0) >>> 0, blksize: BigInt(st.blksize),
  });
}

/** Write bytes to guest memory: 0 or -EFAULT. */
export function copyout(s: Sys, addr: number, data: Uint8Array): number {
  return s.p.space.write(addr, data) ? 0 : -E.EFAULT;
}

export function timespec(ns: bigint): Buffer {
  return Timespec.encode(timespecOf(ns));
}

/** A timespec argument: undefined for NULL, -errno, or ns. */
export function timespecArg(s: Sys, i: number): bigint | undefined | number {
  const a = s.ptr(i);
  if (!a) return undefined;
  const b = s.p.space.read(a, Timespec.size);
  if (!b) return -E.EFAULT;
  return timespecNs(Timespec.read(b));
}

/** A guest timespec as ns, or -EINVAL when it is negative or its nsec out of range. */
export function timespecNs({ sec, nsec }: { sec: bigint; nsec: bigint }): bigint | number {
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -E.EINVAL;
  return sec * 1_000_000_000n + nsec;
}
