// Files and directories: open, read, write, stat, directory operations.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { E, fromLinuxErrno, fromNodeError } from '../abi/errno.js';
import { AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, F, O, SEEK, toLinuxOpenFlags } from '../abi/flags.js';
import { Flock, Timeval } from '../abi/structs.js';
import { OpenFile, type FileOps } from '../files/file.js';
import { HostDir, HostFile, statFromNode } from '../files/hostfile.js';
import { KQueue } from '../files/kqueue.js';
import { FALLBACK_POLL_MS } from '../files/hostwatch.js';
import { F_RDLCK, F_UNLCK, F_WRLCK } from '../files/reclocks.js';
import { removalRefused } from '../files/bsdflags.js';
import { SIG } from '../abi/signals.js';
import { fifoStat, openNamedPipe } from './fifo.js';
import { setCwd } from '../cwd.js';
import { noteDiskLockConflict, noteDiskOpenRefused } from '../../devices/vkdisk.js';
import { atPath, livePath, copyout, cstring, encodeStat, fdArg, FOLLOW, pathArg, readIovecs, scatter } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';
import { IOCTL } from '../abi/ioctls.js';

// FIODTYPE: the kind of a character device (dd asks before it reads one).
const FIODTYPE = IOCTL.FIODTYPE, D_TTY = 0x4, D_MEM = 0x8;
const S_IFMT = 0o170000, S_IFCHR = 0o020000;
/** Linux majors: 1 memory devices (null, zero, random...), 4 and 5 ttys, 136-143 ptys. */
const majorOf = (rdev: number): number => ((rdev >>> 8) & 0xfff) | ((rdev >>> 12) & ~0xfff);

function deviceType(s: Sys, ops: FileOps): SyscallResult {
  const st = ops.stat();
  if (typeof st === 'number') return st;
  if ((st.mode & S_IFMT) !== S_IFCHR) return -E.ENOTTY;
  const major = ops.kind === 'tty' ? 4 : majorOf(st.rdev);
  const type = major === 1 ? D_MEM : major === 4 || major === 5 || (major >= 136 && major <= 143) ? D_TTY : 0;
  const b = Buffer.alloc(4);
  b.writeInt32LE(type, 0);
  return copyout(s, s.ptr(2), b);
}

export function guard(fn: () => SyscallResult): SyscallResult {
  try {
    return fn();
  } catch (e) {
    return -fromNodeError(e);
  }
}

/** 0, or EPERM for a file whose NOUNLINK flag Linux cannot enforce (vm/files/bsdflags.ts). */
function removable(s: Sys, host: string): number {
  return removalRefused(s.m.host, host);
}

/** A uid_t/gid_t argument: unsigned, with -1 meaning "leave it". */
export function idArg(s: Sys, i: number): number {
  return s.int(i) === -1 ? -1 : s.uint(i);
}

const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

/** Open a host path for the guest; returns the new fd or -errno. */
/** open(2) follows a symlink in the last component unless O_NOFOLLOW, or O_CREAT|O_EXCL (which must create). */
function opensLink(flags: number): boolean {
  return !(flags & O.NOFOLLOW) && (flags & (O.CREAT | O.EXCL)) !== (O.CREAT | O.EXCL);
}

export function openHost(s: Sys, host: string, flags: number, mode: number): SyscallResult | Promise<SyscallResult> {
  if ((flags & O.ACCMODE) === 3) return -E.EINVAL;
  // Device nodes are named by the guest's path: under -L, /dev/tap resolves to
  // ROOT/dev/tap on the host, which is still the guest's /dev/tap.
  const guest = s.m.guestPath(host);
  const dev = s.k.devices.find(host) ?? (guest !== host ? s.k.devices.find(guest) : undefined);
  if (dev) {
    const ops = dev[0].open(s, dev[1].input, flags, dev[1]);
    if (typeof ops === 'number') return ops;
    return installOpenFile(s, ops, flags);
  }
  const fifo = fifoStat(host);
  if (fifo) return openNamedPipe(s, host, fifo, flags, (ops) => installOpenFile(s, ops, flags));
  let hostFd: number;
  try {
    hostFd = fs.openSync(host, toLinuxOpenFlags(flags), mode & ~s.p.umask & 0o7777);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    noteDiskOpenRefused(s.m.log, host, flags, err);
    // Linux refuses O_WRONLY/O_RDWR on directories with EISDIR, as DragonFly does.
    return -fromNodeError(err);
  }
  const st = fs.fstatSync(hostFd, { bigint: true });
  // A path through another descriptor (openat) is remembered as the file's real path.
  if (host.startsWith('/proc/self/fd/')) host = livePath(hostFd, host);
  let ops: FileOps;
  if (st.isDirectory()) {
    ops = new HostDir(hostFd, host, s.m.host);
  } else {
    if (flags & O.DIRECTORY) {
      fs.closeSync(hostFd);
      return -E.ENOTDIR;
    }
    ops = new HostFile(hostFd, host, st, s.m.host);
  }
  if (flags & (O.EXLOCK | O.SHLOCK)) {
    // Never a blocking host flock (it would stop every guest thread).
    const op = (flags & O.EXLOCK ? LOCK_EX : LOCK_SH) | LOCK_NB;
    const r = s.m.host.flock(hostFd, op);
    if (r < 0) {
      fs.closeSync(hostFd);
      return -E.EAGAIN;
    }
  }
  return installOpenFile(s, ops, flags);
}

/** A new open file description for ops at the lowest free descriptor: the fd or -EMFILE. */
function installOpenFile(s: Sys, ops: FileOps, flags: number): number {
  const file = new OpenFile(ops, flags & ~(O.CREAT | O.TRUNC | O.EXCL | O.CLOEXEC));
  const fd = s.p.fds.alloc(file, (flags & O.CLOEXEC) !== 0);
  if (fd < 0) file.unref();
  return fd;
}

/**
 * Run `attempt` now; if it would block on a descriptor that blocks, wait until
 * the file is ready and try again (interruptible by signals).
 */
export function whenReady(s: Sys, file: OpenFile, dir: 'in' | 'out', nonblock: boolean, what: string,
  attempt: () => number): number | Promise<number> {
  const r = attempt();
  if (r === -E.EAGAIN) file.eagains++;
  const ops = file.ops;
  if (r !== -E.EAGAIN || nonblock || (file.flags & O.NONBLOCK) || !ops.ready) return r;
  return s.m.block(s.t, what, true, (done) => {
    const check = (): void => {
      if (!ops.ready!(dir)) return;
      const again = attempt();
      if (again !== -E.EAGAIN) done(again);
    };
    // Files that announce changes (pipes; host descriptors through the watcher thread) wake the waiter at once.
    if (ops.watch) return ops.watch(check, dir);
    const iv = setInterval(check, FALLBACK_POLL_MS);
    return () => clearInterval(iv);
  });
}

function doRead(s: Sys, fdi: number, addr: number, len: number, pos: number | null, nonblockFlag: boolean): SyscallResult | Promise<SyscallResult> {
  const e = s.p.fds.get(fdi);
  if (!e) return -E.EBADF;
  if ((e.file.flags & O.ACCMODE) === O.WRONLY) return -E.EBADF;
  if (len < 0 || len > 0x7fffffff) return -E.EINVAL;
  const nonblock = nonblockFlag || (e.file.flags & O.NONBLOCK) !== 0;
  const direct = e.file.ops.io?.(false, s.p.space, addr, len, pos, e.file);
  if (direct !== undefined) {
    if (direct === -E.EAGAIN) e.file.eagains++;
    return direct;
  }
  if (len > 0 && !s.p.space.check(addr, len, 1)) return -E.EFAULT;
  const buf = Buffer.alloc(Math.min(len, 1 << 24));
  const finish = (n: number): number => {
    if (n > 0 && !s.p.space.write(addr, buf, 0, n)) return -E.EFAULT;
    return n;
  };
  const r = e.file.ops.read(buf, pos, e.file, nonblock);
  if (typeof r === 'number') {
    if (r === -E.EAGAIN && !nonblock) return whenReady(s, e.file, 'in', false, 'read', () => {
      const n = e.file.ops.read(buf, pos, e.file, true);
      return typeof n === 'number' ? finish(n) : -E.EIO;
    });
    if (r === -E.EAGAIN) e.file.eagains++;
    return finish(r);
  }
  const t = s.t;
  return s.m.block(t, 'read', true, (done) => {
    s.m.pendingHostIo++;
    r.then((n) => { s.m.pendingHostIo--; done(finish(n)); });
  });
}

function doWrite(s: Sys, fdi: number, addr: number, len: number, pos: number | null): SyscallResult | Promise<SyscallResult> {
  const e = s.p.fds.get(fdi);
  if (!e) return -E.EBADF;
  if ((e.file.flags & O.ACCMODE) === O.RDONLY && e.file.ops.kind !== 'tty') return -E.EBADF;
  if (len < 0 || len > 0x7fffffff) return -E.EINVAL;
  const direct = e.file.ops.io?.(true, s.p.space, addr, len, pos, e.file);
  if (direct !== undefined) {
    if (direct !== -E.EAGAIN) return direct;
    e.file.eagains++;
    return whenReady(s, e.file, 'out', false, 'write', () => e.file.ops.io!(true, s.p.space, addr, len, pos, e.file) ?? -E.EIO);
  }
  const data = len === 0 ? Buffer.alloc(0) : s.p.space.read(addr, len);
  if (!data) return -E.EFAULT;
  const r = e.file.ops.write(data, pos, e.file, false);
  if (r === -E.EAGAIN) e.file.eagains++;
  if (r === -E.EAGAIN) return whenReady(s, e.file, 'out', false, 'write', () => {
    const n = e.file.ops.write(data, pos, e.file, true);
    return typeof n === 'number' ? n : -E.EIO;
  });
  return r;
}

/** extpread/extpwrite: offset -1 means "the file position" (§7.4). */
function extOffset(s: Sys, flagsArg: number, offArg: number): number | null {
  const off = s.long(offArg);
  const flags = s.int(flagsArg);
  if (off === -1 && !(flags & O.FOFFSET)) return null;
  return off;
}

/** readv/writev, and extpreadv/extpwritev (`ext`: flags and offset in arguments 3 and 4). */
function readv(s: Sys, write: boolean, ext = false): SyscallResult | Promise<SyscallResult> {
  const fd = s.int(0);
  const pos = ext ? extOffset(s, 3, 4) : null;
  if (pos !== null && pos < 0) return -E.EINVAL;
  const parts = readIovecs(s, s.ptr(1), s.int(2));
  if (typeof parts === 'number') return parts;
  const total = parts.reduce((a, [, l]) => a + l, 0);
  if (total > 0x7fffffff) return -E.EINVAL;
  if (write) {
    const chunks: Buffer[] = [];
    for (const [b, l] of parts) {
      const d = l ? s.p.space.read(b, l) : Buffer.alloc(0);
      if (!d) return -E.EFAULT;
      chunks.push(d);
    }
    const e = s.p.fds.get(fd);
    if (!e) return -E.EBADF;
    return e.file.ops.write(Buffer.concat(chunks), pos, e.file, false);
  }
  const e = s.p.fds.get(fd);
  if (!e) return -E.EBADF;
  const buf = Buffer.alloc(total);
  const out = (n: number): number => (n <= 0 ? n : scatter(s, parts, buf, n));
  const nonblock = (e.file.flags & O.NONBLOCK) !== 0;
  const r = e.file.ops.read(buf, pos, e.file, nonblock);
  if (r === -E.EAGAIN && !nonblock) {
    return whenReady(s, e.file, 'in', false, 'readv', () => {
      const n = e.file.ops.read(buf, pos, e.file, true);
      return typeof n === 'number' ? out(n) : -E.EIO;
    });
  }
  if (typeof r === 'number') return out(r);
  return s.m.block(s.t, 'readv', true, (done) => { r.then((n) => done(out(n))); });
}

function statPath(s: Sys, host: string, follow: boolean, out: number): SyscallResult {
  return guard(() => {
    const st = follow ? fs.statSync(host, { bigint: true }) : fs.lstatSync(host, { bigint: true });
    return copyout(s, out, encodeStat(statFromNode(st, s.m.host, { path: host, follow })));
  });
}

function lseek(s: Sys): SyscallResult {
  // lseek(fd, pad, offset, whence): DragonFly's prototype keeps the pad.
  const fd = s.int(0), off = s.long(2), whence = s.int(3);
  const e = s.p.fds.get(fd);
  if (!e) return -E.EBADF;
  const f = e.file;
  if (!f.ops.seekable) return -E.ESPIPE;
  let base: number;
  if (whence === SEEK.SET) base = 0;
  else if (whence === SEEK.CUR) base = f.ops.kind === 'dir' ? f.dirCursor : f.pos;
  else if (whence === SEEK.END) {
    const st = f.ops.stat();
    if (typeof st === 'number') return st;
    base = Number(st.size);
  } else return -E.EINVAL;
  const n = base + off;
  if (n < 0) return -E.EINVAL;
  if (f.ops.kind === 'dir') f.dirCursor = n;
  else f.pos = n;
  return n;
}

function getdirentries(s: Sys, withBase: boolean): SyscallResult {
  const e = s.p.fds.get(s.int(0));
  if (!e) return -E.EBADF;
  const ops = e.file.ops;
  if (!(ops instanceof HostDir)) return -E.ENOTDIR;
  const bufAddr = s.ptr(1), nbytes = s.uint(2);
  let entries;
  try { entries = ops.list(); } catch (err) { return -fromNodeError(err); }
  const out = Buffer.alloc(Math.min(nbytes, 1 << 20));
  let off = 0;
  let i = e.file.dirCursor;
  for (; i < entries.length; i++) {
    const name = Buffer.from(entries[i].name);
    const reclen = (16 + name.length + 1 + 7) & ~7;
    if (off + reclen > out.length) break;
    out.writeBigUInt64LE(entries[i].ino, off);
    out.writeUInt16LE(name.length, off + 8);
    out[off + 10] = entries[i].type;
    name.copy(out, off + 16);
    off += reclen;
  }
  if (off === 0 && i < entries.length) return -E.EINVAL;
  if (off > 0 && !s.p.space.write(bufAddr, out, 0, off)) return -E.EFAULT;
  if (withBase && s.ptr(3)) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(e.file.dirCursor), 0);
    if (!s.p.space.write(s.ptr(3), b)) return -E.EFAULT;
  }
  e.file.dirCursor = i;
  return off;
}

/** O_ASYNC with an owner: SIGIO to it whenever the file becomes ready. */
function updateAsync(s: Sys, file: OpenFile): void {
  const on = (file.flags & O.ASYNC) !== 0 && file.owner !== 0;
  const ops = file.ops;
  const readyNow = ops instanceof KQueue ? () => ops.hasReady() : () => (ops.ready ? ops.ready('in') : true);
  const m = s.m;
  s.k.async.set(file, on, readyNow, () => {
    const owner = file.owner;
    const targets = owner > 0 ? [m.procs.get(owner)] : [...m.procs.values()].filter((p) => p.pgid === -owner);
    for (const p of targets) if (p) m.postSignal(p, SIG.SIGIO);
  });
}

/** fcntl record locks (struct flock). */
function recordLock(s: Sys, file: OpenFile, cmd: number, addr: number): SyscallResult | Promise<SyscallResult> {
  const b = s.p.space.read(addr, Flock.size);
  if (!b) return -E.EFAULT;
  const fl = Flock.read(b);
  const st = file.ops.stat();
  if (typeof st === 'number') return st;
  if (file.ops.kind !== 'file') return -E.EINVAL;
  const key = `${st.dev}:${st.ino}`;
  const type = fl.type, whence = fl.whence;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -E.EINVAL;
  const base = whence === SEEK.SET ? 0 : whence === SEEK.CUR ? file.pos : whence === SEEK.END ? Number(st.size) : NaN;
  if (Number.isNaN(base)) return -E.EINVAL;
  let start = base + Number(fl.start);
  const len = Number(fl.len);
  let end = len === 0 ? Infinity : start + len;
  if (len < 0) { end = start; start += len; }
  if (start < 0) return -E.EINVAL;
  if (cmd !== F.GETLK) {
    const acc = file.flags & O.ACCMODE;
    if ((type === F_RDLCK && acc === O.WRONLY) || (type === F_WRLCK && acc === O.RDONLY)) return -E.EBADF;
  }
  const pid = s.p.pid, locks = s.k.locks;
  if (cmd === F.GETLK) {
    const c = type === F_UNLCK ? undefined : locks.conflict(key, pid, type, start, end);
    const out = c
      ? Flock.write(Buffer.from(b), { start: BigInt(c.start), len: c.end === Infinity ? 0n : BigInt(c.end - c.start), pid: c.pid, type: c.type, whence: SEEK.SET })
      : Flock.write(Buffer.from(b), { type: F_UNLCK });
    return s.p.space.write(addr, out) ? 0 : -E.EFAULT;
  }
  if (type === F_UNLCK || !locks.conflict(key, pid, type, start, end)) {
    locks.set(key, pid, type, start, end);
    file.lockKey = key;
    return 0;
  }
  if (cmd === F.SETLK) return -E.EAGAIN;
  return s.m.block(s.t, 'F_SETLKW', true, (done) => locks.onRelease(() => {
    if (locks.conflict(key, pid, type, start, end)) return;
    locks.set(key, pid, type, start, end);
    file.lockKey = key;
    done(0);
  }));
}

function fcntl(s: Sys): SyscallResult | Promise<SyscallResult> {
  const fd = s.int(0), cmd = s.int(1), arg = s.long(2);
  const e = s.p.fds.get(fd);
  if (!e) return -E.EBADF;
  switch (cmd) {
    case F.DUPFD: case F.DUPFD_CLOEXEC:
      if (arg < 0 || arg >= s.p.fds.limit) return -E.EINVAL;
      return s.p.fds.alloc(e.file.ref(), cmd === F.DUPFD_CLOEXEC, arg);
    case F.DUP2FD: case F.DUP2FD_CLOEXEC:
      if (arg < 0 || arg >= s.p.fds.limit) return -E.EBADF;
      if (arg === fd) return fd;
      return s.p.fds.put(arg, e.file.ref(), cmd === F.DUP2FD_CLOEXEC);
    case F.GETFD: return e.cloexec ? 1 : 0;
    case F.SETFD: e.cloexec = (arg & 1) !== 0; return 0;
    case F.GETFL: return e.file.flags;
    case F.SETFL: {
      const settable = O.NONBLOCK | O.APPEND | O.ASYNC | O.FSYNC | O.DIRECT;
      e.file.flags = (e.file.flags & ~settable) | (arg & settable);
      updateAsync(s, e.file);
      return 0;
    }
    case F.GETOWN: return e.file.owner;
    case F.SETOWN:
      e.file.owner = arg;
      updateAsync(s, e.file);
      return 0;
    case F.GETLK: case F.SETLK: case F.SETLKW: return recordLock(s, e.file, cmd, s.ptr(2));
    default: return -E.EINVAL;
  }
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const fsHandlers = {
  read: (s) => doRead(s, s.int(0), s.ptr(1), s.ptr(2), null, false),
  write: (s) => doWrite(s, s.int(0), s.ptr(1), s.ptr(2), null),
  open: (s) => { const h = pathArg(s, 0, AT_FDCWD, opensLink(s.int(1))); return typeof h === 'number' ? h : openHost(s, h, s.int(1), s.int(2)); },
  openat: (s) => { const h = pathArg(s, 1, s.int(0), opensLink(s.int(2))); return typeof h === 'number' ? h : openHost(s, h, s.int(2), s.int(3)); },
  close: (s) => s.p.fds.close(s.int(0)),
  closefrom: (s) => { if (s.int(0) < 0) return -E.EINVAL; s.p.fds.closeFrom(s.int(0)); return 0; },
  readv: (s) => readv(s, false),
  writev: (s) => readv(s, true),
  extpreadv: (s) => readv(s, false, true),
  extpwritev: (s) => readv(s, true, true),
  extpread: (s) => doRead(s, s.int(0), s.ptr(1), s.ptr(2), extOffset(s, 3, 4), (s.int(3) & O.FNONBLOCKING) !== 0),
  extpwrite: (s) => doWrite(s, s.int(0), s.ptr(1), s.ptr(2), extOffset(s, 3, 4)),
  lseek,
  dup: (s) => { const e = fdArg(s, 0); return typeof e === 'number' ? e : s.p.fds.alloc(e.file.ref()); },
  dup2: (s) => {
    const e = fdArg(s, 0);
    if (typeof e === 'number') return e;
    if (s.int(1) === s.int(0)) return s.int(1);
    return s.p.fds.put(s.int(1), e.file.ref());
  },
  fcntl,
  fstat: (s) => {
    const e = fdArg(s, 0);
    if (typeof e === 'number') return e;
    const st = e.file.ops.stat();
    return typeof st === 'number' ? st : copyout(s, s.ptr(1), encodeStat(st));
  },
  stat: (s) => { const h = pathArg(s, 0, AT_FDCWD, FOLLOW); return typeof h === 'number' ? h : statPath(s, h, true, s.ptr(1)); },
  lstat: (s) => { const h = pathArg(s, 0); return typeof h === 'number' ? h : statPath(s, h, false, s.ptr(1)); },
  fstatat: (s) => { const follow = !(s.int(3) & AT_SYMLINK_NOFOLLOW); const h = pathArg(s, 1, s.int(0), follow); return typeof h === 'number' ? h : statPath(s, h, follow, s.ptr(2)); },
  getdirentries: (s) => getdirentries(s, true),
  getdents: (s) => getdirentries(s, false),
  access: (s) => { const h = pathArg(s, 0, AT_FDCWD, FOLLOW); return typeof h === 'number' ? h : guard(() => { fs.accessSync(h, s.int(1) & 7); return 0; }); },
  faccessat: (s) => { const h = pathArg(s, 1, s.int(0), FOLLOW); return typeof h === 'number' ? h : guard(() => { fs.accessSync(h, s.int(2) & 7); return 0; }); },
  eaccess: (s) => { const h = pathArg(s, 0, AT_FDCWD, FOLLOW); return typeof h === 'number' ? h : guard(() => { fs.accessSync(h, s.int(1) & 7); return 0; }); },
  mkdir: (s) => { const h = pathArg(s, 0); return typeof h === 'number' ? h : guard(() => { fs.mkdirSync(h, s.int(1) & ~s.p.umask & 0o7777); return 0; }); },
  mkdirat: (s) => { const h = pathArg(s, 1, s.int(0)); return typeof h === 'number' ? h : guard(() => { fs.mkdirSync(h, s.int(2) & ~s.p.umask & 0o7777); return 0; }); },
  rmdir: (s) => { const h = pathArg(s, 0); return typeof h === 'number' ? h : removable(s, h) || guard(() => { fs.rmdirSync(h); return 0; }); },
  unlink: (s) => { const h = pathArg(s, 0); return typeof h === 'number' ? h : removable(s, h) || guard(() => { fs.unlinkSync(h); return 0; }); },
  unlinkat: (s) => { const h = pathArg(s, 1, s.int(0)); return typeof h === 'number' ? h : removable(s, h) || guard(() => { if (s.int(2) & AT_REMOVEDIR) fs.rmdirSync(h); else fs.unlinkSync(h); return 0; }); },
  rename: (s) => { const a = pathArg(s, 0), b = pathArg(s, 1); if (typeof a === 'number') return a; if (typeof b === 'number') return b; return removable(s, a) || removable(s, b) || guard(() => { fs.renameSync(a, b); return 0; }); },
  renameat: (s) => { const a = pathArg(s, 1, s.int(0)), b = pathArg(s, 3, s.int(2)); if (typeof a === 'number') return a; if (typeof b === 'number') return b; return removable(s, a) || removable(s, b) || guard(() => { fs.renameSync(a, b); return 0; }); },
  readlink: (s) => {
    const h = pathArg(s, 0);
    if (typeof h === 'number') return h;
    return guard(() => { const t = Buffer.from(fs.readlinkSync(h)); const n = Math.min(t.length, s.ptr(2)); return s.p.space.write(s.ptr(1), t, 0, n) ? n : -E.EFAULT; });
  },
  readlinkat: (s) => {
    const h = pathArg(s, 1, s.int(0));
    if (typeof h === 'number') return h;
    return guard(() => { const t = Buffer.from(fs.readlinkSync(h)); const n = Math.min(t.length, s.ptr(3)); return s.p.space.write(s.ptr(2), t, 0, n) ? n : -E.EFAULT; });
  },
  symlink: (s) => { const target = cstring(s, s.ptr(0)); const h = pathArg(s, 1); if (typeof target === 'number') return target; if (typeof h === 'number') return h; return guard(() => { fs.symlinkSync(target, h); return 0; }); },
  symlinkat: (s) => { const target = cstring(s, s.ptr(0)); const h = pathArg(s, 2, s.int(1)); if (typeof target === 'number') return target; if (typeof h === 'number') return h; return guard(() => { fs.symlinkSync(target, h); return 0; }); },
  link: (s) => { const a = pathArg(s, 0, AT_FDCWD, FOLLOW), b = pathArg(s, 1); if (typeof a === 'number') return a; if (typeof b === 'number') return b; return guard(() => { fs.linkSync(fs.realpathSync(a), b); return 0; }); },
  chdir: (s) => {
    const g = cstring(s, s.ptr(0));
    if (typeof g === 'number') return g;
    const h = atPath(s, AT_FDCWD, g, FOLLOW);
    if (typeof h === 'number') return h;
    return guard(() => {
      if (!fs.statSync(h).isDirectory()) return -E.ENOTDIR;
      // Walked in a guest root, h has no symlinks left: the directory's real path, as
      // DragonFly keeps it (unless it goes through a deep cwd's descriptor).
      const walked = s.m.guestRoot(s.p) !== undefined && !h.startsWith('/proc/self/fd/');
      setCwd(s.p, g.startsWith('/') || walked ? path.resolve(h) : path.resolve(s.p.cwd, g), h);
      return 0;
    });
  },
  fchdir: (s) => { const e = fdArg(s, 0); if (typeof e === 'number') return e; if (e.file.ops.kind !== 'dir' || !e.file.ops.hostPath) return -E.ENOTDIR; const hf = e.file.ops.hostFd; return guard(() => { setCwd(s.p, livePath(hf, e.file.ops.hostPath!), hf !== undefined ? `/proc/self/fd/${hf}` : e.file.ops.hostPath!); return 0; }); },
  __getcwd: (s) => {
    const g = Buffer.from(s.m.guestPath(s.p.cwd, s.p) + '\0');
    if (g.length > s.ptr(1)) return -E.ERANGE;
    return copyout(s, s.ptr(0), g);
  },
  __realpath: (s) => {
    const h = pathArg(s, 0, AT_FDCWD, FOLLOW);
    if (typeof h === 'number') return h;
    return guard(() => {
      const g = Buffer.from(s.m.guestPath(fs.realpathSync(h), s.p) + '\0');
      if (g.length > s.ptr(2)) return -E.ENAMETOOLONG;
      return copyout(s, s.ptr(1), g) || g.length - 1;
    });
  },
  ftruncate: (s) => {
    const e = fdArg(s, 0);
    if (typeof e === 'number') return e;
    const len = s.long(2);
    if (len < 0) return -E.EINVAL;
    if ((e.file.flags & O.ACCMODE) === O.RDONLY) return -E.EINVAL;
    return e.file.ops.truncate ? e.file.ops.truncate(len) : -E.EINVAL;
  },
  truncate: (s) => { const h = pathArg(s, 0, AT_FDCWD, FOLLOW); if (typeof h === 'number') return h; const len = s.long(2); if (len < 0) return -E.EINVAL; return guard(() => { fs.truncateSync(h, len); return 0; }); },
  fsync: (s) => { const e = fdArg(s, 0); if (typeof e === 'number') return e; return e.file.ops.sync ? e.file.ops.sync() : 0; },
  sync: () => 0,
  ioctl: (s) => {
    const e = fdArg(s, 0);
    if (typeof e === 'number') return e;
    const r = e.file.ops.ioctl ? e.file.ops.ioctl(s.uint(1), s.ptr(2), s.t) : -E.ENOTTY;
    return r === -E.ENOTTY && s.uint(1) === FIODTYPE ? deviceType(s, e.file.ops) : r;
  },
  flock: (s) => {
    const e = fdArg(s, 0);
    if (typeof e === 'number') return e;
    const fd = e.file.ops.hostFd;
    if (fd === undefined) return -E.EOPNOTSUPP;
    const op = s.int(1) & (LOCK_SH | LOCK_EX | LOCK_NB | LOCK_UN);
    if (!(op & (LOCK_SH | LOCK_EX | LOCK_UN))) return -E.EINVAL;
    // The host call never blocks (that would stop every guest thread): a
    // blocking request waits here, interruptibly, retrying.
    const host = s.m.host;
    const r = host.flock(fd, op | LOCK_NB);
    if (r >= 0) return 0;
    if (r !== -os.constants.errno.EWOULDBLOCK) return -fromLinuxErrno(-r);
    if (op & LOCK_NB) {
      noteDiskLockConflict(s.m.log, e.file);
      return -E.EAGAIN;
    }
    return s.m.block(s.t, 'flock', true, (done) => {
      const iv = setInterval(() => { if (host.flock(fd, op | LOCK_NB) >= 0) done(0); }, 5);
      return () => clearInterval(iv);
    });
  },
  chmod: (s) => { const h = pathArg(s, 0, AT_FDCWD, FOLLOW); return typeof h === 'number' ? h : guard(() => { fs.chmodSync(h, s.int(1) & 0o7777); return 0; }); },
  fchmod: (s) => { const e = fdArg(s, 0); if (typeof e === 'number') return e; const fd = e.file.ops.hostFd; return fd === undefined ? -E.EINVAL : guard(() => { fs.fchmodSync(fd, s.int(1) & 0o7777); return 0; }); },
  umask: (s) => { const old = s.p.umask; s.p.umask = s.int(0) & 0o777; return old; },
  utimes: (s) => {
    const h = pathArg(s, 0, AT_FDCWD, FOLLOW);
    if (typeof h === 'number') return h;
    const tv = s.ptr(1);
    if (!tv) return guard(() => { const now = new Date(); fs.utimesSync(h, now, now); return 0; });
    const b = s.p.space.read(tv, 2 * Timeval.size);
    if (!b) return -E.EFAULT;
    const [a, m] = Timeval.readArray(b, 2).map((t) => Number(t.sec) + Number(t.usec) / 1e6);
    return guard(() => { fs.utimesSync(h, a, m); return 0; });
  },
  chown: (s) => { const h = pathArg(s, 0, AT_FDCWD, FOLLOW); return typeof h === 'number' ? h : guard(() => { fs.chownSync(h, idArg(s, 1), idArg(s, 2)); return 0; }); },
  lchown: (s) => { const h = pathArg(s, 0); return typeof h === 'number' ? h : guard(() => { fs.lchownSync(h, idArg(s, 1), idArg(s, 2)); return 0; }); },
  fchown: (s) => { const e = fdArg(s, 0); if (typeof e === 'number') return e; const fd = e.file.ops.hostFd; return fd === undefined ? -E.EINVAL : guard(() => { fs.fchownSync(fd, idArg(s, 1), idArg(s, 2)); return 0; }); },
  pathconf: (s) => (s.int(1) === 1 ? 32767 : s.int(1) === 3 ? 255 : s.int(1) === 4 ? 1024 : -E.EINVAL),
  lpathconf: (s) => (s.int(1) === 1 ? 32767 : s.int(1) === 3 ? 255 : s.int(1) === 4 ? 1024 : -E.EINVAL),
  fpathconf: (s) => (s.int(1) === 1 ? 32767 : s.int(1) === 3 ? 255 : s.int(1) === 4 ? 1024 : -E.EINVAL),
} satisfies Record<string, Handler>;

export { AT_FDCWD, atPath };
