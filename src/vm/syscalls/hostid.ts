// The process's view of the host: chroot(2), the old uname(2), procctl(2)'s
// reaper commands.
import { randomBytes } from '../../host/random.js';
import fs from 'node:fs';
import { E } from '../abi/errno.js';
import { cstring } from './util.js';
import { tree } from './sysctl.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const privileged = (process.getuid?.() ?? 0) === 0;

// chroot: only the superuser may (PRIV_VFS_CHROOT); the new root holds for the
// process and every child it makes from now on.
function chroot(s: Sys): SyscallResult {
  if (!privileged) return -E.EPERM;
  const g = cstring(s, s.ptr(0));
  if (typeof g === 'number') return g;
  if (g === '') return -E.ENOENT;
  const host = s.m.resolvePath(s.p, g, true);
  let st: fs.Stats;
  try {
    st = fs.statSync(host);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOTDIR' ? -E.ENOTDIR : code === 'EACCES' ? -E.EACCES : code === 'ELOOP' ? -E.ELOOP : -E.ENOENT;
  }
  if (!st.isDirectory()) return -E.ENOTDIR;
  s.p.root = fs.realpathSync(host);
  return 0;
}

/** The 4.4BSD struct utsname of the old uname call: five 32-byte strings. */
const SYS_NMLN = 32;
const UTS_FIELDS = ['kern.ostype', 'kern.hostname', 'kern.osrelease', 'kern.version', 'hw.machine'];

function uname(s: Sys): SyscallResult {
  const b = Buffer.alloc(SYS_NMLN * UTS_FIELDS.length);
  UTS_FIELDS.forEach((name, i) => {
    const v = tree.lookupName(name)?.read(s.m, s.p) ?? Buffer.alloc(0);
    // Strings stop at their NUL, kern.version also at its newline; each keeps a NUL.
    let end = v.indexOf(0);
    if (end < 0) end = v.length;
    const nl = v.subarray(0, end).indexOf(10);
    v.copy(b, i * SYS_NMLN, 0, Math.min(nl < 0 ? end : nl, SYS_NMLN - 1));
  });
  return s.p.space.write(s.ptr(0), b) ? 0 : -E.EFAULT;
}

const P_PID = 0;
const PROC_REAP_ACQUIRE = 1, PROC_REAP_RELEASE = 2, PROC_REAP_STATUS = 3;
const REAPER_STAT_OWNED = 1;
/** struct reaper_status: flags, refs, 15 longs, pid_head, 15 ints. */
const REAPER_STATUS_SIZE = 192, PID_HEAD = 128;

function procctl(s: Sys): SyscallResult {
  // Only the caller itself can be named (idtype P_PID, id its pid).
  if (s.int(0) !== P_PID || s.long(1) !== s.p.pid) return -E.EINVAL;
  switch (s.int(2)) {
    case PROC_REAP_ACQUIRE:
      if (s.p.reaper) return -E.EALREADY;
      s.p.reaper = true;
      return 0;
    case PROC_REAP_RELEASE:
      if (!s.p.reaper) return -E.ENOTCONN;
      s.p.reaper = false;
      return 0;
    case PROC_REAP_STATUS: {
      if (!s.ptr(3)) return 0;
      const b = Buffer.alloc(REAPER_STATUS_SIZE);
      b.writeUInt32LE(s.p.reaper ? REAPER_STAT_OWNED : 0, 0);
      const first = s.p.children[0];
      b.writeInt32LE(first ? first.pid : -1, PID_HEAD);
      return s.p.space.write(s.ptr(3), b) ? 0 : -E.EFAULT;
    }
    default:
      return -E.EINVAL;
  }
}

const KENV_GET = 0, KENV_SET = 1, KENV_UNSET = 2, KENV_DUMP = 3;

/** The kernel environment (loader variables): a guest sees an empty one it may not change. */
function kenv(s: Sys): SyscallResult {
  switch (s.int(0)) {
    case KENV_DUMP: return 0;
    case KENV_GET: { const n = cstring(s, s.ptr(1)); return typeof n === 'number' ? n : -E.ENOENT; }
    case KENV_SET: case KENV_UNSET: return -E.EPERM;
    default: return -E.EINVAL;
  }
}

/** uuidgen(store, count): count struct uuid (16 bytes each), 1..2048 of them. */
function uuidgen(s: Sys): SyscallResult {
  const count = s.int(1);
  if (count < 1 || count > 2048) return -E.EINVAL;
  const b = Buffer.alloc(16 * count);
  for (let i = 0; i < count; i++) {
    const u = randomBytes(16);
    // struct uuid: time_low, time_mid, time_hi_and_version little-endian words, then bytes; version 4, variant 10.
    u.writeUInt16LE((u.readUInt16LE(6) & 0x0fff) | 0x4000, 6);
    u[8] = (u[8] & 0x3f) | 0x80;
    u.copy(b, 16 * i);
  }
  return s.p.space.write(s.ptr(0), b) ? 0 : -E.EFAULT;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const hostidHandlers = {
  kenv,
  uuidgen,
  utrace: () => 0,
  profil: () => 0,
  chroot,
  uname,
  procctl,
} satisfies Record<string, Handler>;
