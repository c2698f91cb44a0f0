// DragonFly open/fcntl/mmap/misc flag values (vkernel-host-abi.md §7.4).
import fs from 'node:fs';

export const O = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, NONBLOCK: 0x4, APPEND: 0x8, SHLOCK: 0x10, EXLOCK: 0x20,
  ASYNC: 0x40, FSYNC: 0x80, NOFOLLOW: 0x100, CREAT: 0x200, TRUNC: 0x400, EXCL: 0x800,
  NOCTTY: 0x8000, DIRECT: 0x10000, CLOEXEC: 0x20000, FBLOCKING: 0x40000, FNONBLOCKING: 0x80000,
  FAPPEND: 0x100000, FOFFSET: 0x200000, DIRECTORY: 0x8000000,
} as const;

export const AT_FDCWD = -328243; // 0xFFFAFDCD as a signed int
export const AT_SYMLINK_NOFOLLOW = 1, AT_REMOVEDIR = 2, AT_EACCESS = 4, AT_SYMLINK_FOLLOW = 8;

export const F = {
  DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, GETOWN: 5, SETOWN: 6, GETLK: 7, SETLK: 8,
  SETLKW: 9, DUP2FD: 10, DUPFD_CLOEXEC: 17, DUP2FD_CLOEXEC: 18,
} as const;

export const MAP = {
  SHARED: 0x1, PRIVATE: 0x2, FIXED: 0x10, RENAME: 0x20, NORESERVE: 0x40, INHERIT: 0x80,
  NOEXTEND: 0x100, HASSEMAPHORE: 0x200, STACK: 0x400, NOSYNC: 0x800, ANON: 0x1000,
  VPAGETABLE: 0x2000, TRYFIXED: 0x10000, NOCORE: 0x20000, SIZEALIGN: 0x40000,
} as const;

export const PROT = { READ: 0x1, WRITE: 0x2, EXEC: 0x4 } as const;

export const SEEK = { SET: 0, CUR: 1, END: 2 } as const;

/** clockid_t values (sys/time.h). */
export const CLOCK = {
  REALTIME: 0, VIRTUAL: 1, PROF: 2, MONOTONIC: 4, UPTIME: 5, UPTIME_PRECISE: 7, UPTIME_FAST: 8,
  REALTIME_PRECISE: 9, REALTIME_FAST: 10, MONOTONIC_PRECISE: 11, MONOTONIC_FAST: 12, SECOND: 13,
  THREAD_CPUTIME_ID: 14, PROCESS_CPUTIME_ID: 15,
} as const;

/** DragonFly open(2) flags -> Linux flags for fs.openSync. */
export function toLinuxOpenFlags(df: number): number {
  const c = fs.constants;
  let f = df & O.ACCMODE;
  if (df & O.NONBLOCK) f |= c.O_NONBLOCK;
  if (df & O.APPEND) f |= c.O_APPEND;
  if (df & O.CREAT) f |= c.O_CREAT;
  if (df & O.TRUNC) f |= c.O_TRUNC;
  if (df & O.EXCL) f |= c.O_EXCL;
  if (df & O.NOFOLLOW) f |= c.O_NOFOLLOW;
  if (df & O.NOCTTY) f |= c.O_NOCTTY;
  if (df & O.DIRECTORY) f |= c.O_DIRECTORY;
  if (df & O.FSYNC) f |= c.O_SYNC;
  // O_DIRECT is not passed through: Linux imposes alignment rules DragonFly does not.
  return f | 0o2000000; // O_CLOEXEC: host descriptors never leak into host children
}
