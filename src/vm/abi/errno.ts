// DragonFly errno values, and the translation of Linux host errors to them.
import os from 'node:os';

export const E = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EDEADLK: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17,
  EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33,
  ERANGE: 34, EAGAIN: 35, EINPROGRESS: 36, EALREADY: 37, ENOTSOCK: 38, EDESTADDRREQ: 39,
  EMSGSIZE: 40, EPROTOTYPE: 41, ENOPROTOOPT: 42, EPROTONOSUPPORT: 43, ESOCKTNOSUPPORT: 44,
  EOPNOTSUPP: 45, EPFNOSUPPORT: 46, EAFNOSUPPORT: 47, EADDRINUSE: 48, EADDRNOTAVAIL: 49,
  ENETDOWN: 50, ENETUNREACH: 51, ENETRESET: 52, ECONNABORTED: 53, ECONNRESET: 54, ENOBUFS: 55,
  EISCONN: 56, ENOTCONN: 57, ESHUTDOWN: 58, ETOOMANYREFS: 59, ETIMEDOUT: 60, ECONNREFUSED: 61,
  ELOOP: 62, ENAMETOOLONG: 63, EHOSTDOWN: 64, EHOSTUNREACH: 65, ENOTEMPTY: 66, EPROCLIM: 67,
  EUSERS: 68, EDQUOT: 69, ESTALE: 70, EREMOTE: 71, EBADRPC: 72, ERPCMISMATCH: 73,
  EPROGUNAVAIL: 74, EPROGMISMATCH: 75, EPROCUNAVAIL: 76, ENOLCK: 77, ENOSYS: 78, EFTYPE: 79,
  EAUTH: 80, ENEEDAUTH: 81, EIDRM: 82, ENOMSG: 83, EOVERFLOW: 84, ECANCELED: 85, EILSEQ: 86,
  ENOATTR: 87, EDOOFUS: 88, EBADMSG: 89, EMULTIHOP: 90, ENOLINK: 91, EPROTO: 92, ENOMEDIUM: 93,
} as const;
export type Errno = (typeof E)[keyof typeof E];

const NAMES: string[] = [];
for (const [k, v] of Object.entries(E)) NAMES[v] ??= k;
export function errnoName(e: number): string {
  return NAMES[e] ?? `E${e}`;
}

// Linux errno (by name, as Node reports it) -> DragonFly errno.
const byName = new Map<string, number>(Object.entries(E));
byName.set('EWOULDBLOCK', E.EAGAIN);
byName.set('ENOTSUP', E.EOPNOTSUPP);
byName.set('ENODATA', E.ENOATTR);
byName.set('EDEADLOCK', E.EDEADLK);

const linuxNumToName = new Map<number, string>();
for (const [name, num] of Object.entries(os.constants.errno)) linuxNumToName.set(num, name);

/** Translate a Linux errno number (positive) to DragonFly. */
export function fromLinuxErrno(linux: number): number {
  const name = linuxNumToName.get(linux);
  return (name ? byName.get(name) : undefined) ?? E.EIO;
}

/** Translate a thrown Node error (with .code) to a DragonFly errno. */
export function fromNodeError(err: unknown): number {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') {
      const v = byName.get(code);
      if (v !== undefined) return v;
    }
    const errno = (err as { errno?: unknown }).errno;
    if (typeof errno === 'number') return fromLinuxErrno(-errno > 0 ? -errno : errno);
  }
  throw err;
}
