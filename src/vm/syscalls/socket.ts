// Sockets: AF_UNIX, AF_INET and AF_INET6 on host sockets, with BSD address
// layouts (sa_len) and DragonFly constants translated both ways.
import { E } from '../abi/errno.js';
import type { Contents } from '../abi/layout.js';
import { Cmsghdr, Msghdr } from '../abi/structs.js';
import { O } from '../abi/flags.js';
import {
  AF_INET6, domainToLinux, isTimeOpt, msgFromLinux, msgToLinux, MSG_DONTWAIT, MSG_FNONBLOCKING, optToLinux, SO_ERROR,
  SO_TYPE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOL_SOCKET, sockaddrFromLinux, sockaddrToLinux,
} from '../abi/sockets.js';
import fs from 'node:fs';
import { OpenFile, type FileOps } from '../files/file.js';
import { HostDir, HostFile } from '../files/hostfile.js';
import { HostSocket, hostErr } from '../files/socket.js';
import { fromLinuxErrno } from '../abi/errno.js';
import { whenReady } from './fs.js';
import { readIovecs, scatter } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

function sockArg(s: Sys, i: number): { file: OpenFile; sock: HostSocket } | number {
  const e = s.p.fds.get(s.int(i));
  if (!e) return -E.EBADF;
  if (!(e.file.ops instanceof HostSocket)) return -E.ENOTSOCK;
  return { file: e.file, sock: e.file.ops };
}

function readAddr(s: Sys, addr: number, len: number): Buffer | number {
  if (len < 2 || len > 256) return -E.EINVAL;
  const b = s.p.space.read(addr, len);
  if (!b) return -E.EFAULT;
  return sockaddrToLinux(b, s.p.cwd, (g) => s.m.resolvePath(s.p, g));
}

/** Copy an address out to (addr, *lenp) the BSD way: truncated to the room given. */
function writeAddr(s: Sys, linux: Buffer, addr: number, lenp: number): number {
  if (!addr || !lenp) return 0;
  const lb = s.p.space.read(lenp, 4);
  if (!lb) return -E.EFAULT;
  const room = lb.readInt32LE(0);
  if (room < 0) return -E.EINVAL;
  const df = sockaddrFromLinux(linux, (h) => s.m.guestPath(h));
  if (!s.p.space.write(addr, df, 0, Math.min(room, df.length))) return -E.EFAULT;
  const out = Buffer.alloc(4);
  out.writeInt32LE(df.length, 0);
  return s.p.space.write(lenp, out) ? 0 : -E.EFAULT;
}

function newSocket(s: Sys, hostFd: number, type: number, flags: number): number {
  const sock = new HostSocket(hostFd, s.m.host, type);
  const file = new OpenFile(sock, O.RDWR | (flags & SOCK_NONBLOCK ? O.NONBLOCK : 0));
  const fd = s.p.fds.alloc(file, (flags & SOCK_CLOEXEC) !== 0);
  if (fd < 0) file.unref();
  return fd;
}

function socket(s: Sys): SyscallResult {
  const dom = domainToLinux(s.int(0));
  if (dom === undefined) return -E.EAFNOSUPPORT;
  const type = s.int(1) & 0xffff;
  if (![1, 2, 3, 5].includes(type)) return -E.EPROTOTYPE;
  const fd = s.m.host.sockSocket(dom, type, s.int(2));
  if (fd < 0) return hostErr(fd);
  // DragonFly has no dual-stack sockets: IPv6 sockets never carry IPv4.
  if (s.int(0) === AF_INET6) s.m.host.sockSetOpt(fd, 41, 26, Buffer.from([1, 0, 0, 0]));
  return newSocket(s, fd, type, s.int(1));
}

function socketpair(s: Sys): SyscallResult {
  const dom = domainToLinux(s.int(0));
  if (dom === undefined) return -E.EAFNOSUPPORT;
  const type = s.int(1) & 0xffff;
  const r = s.m.host.sockPair(dom, type, s.int(2));
  if (typeof r === 'number') return hostErr(r);
  const a = newSocket(s, r[0], type, s.int(1));
  if (a < 0) { s.m.host.closeFd(r[1]); return a; }
  const b = newSocket(s, r[1], type, s.int(1));
  if (b < 0) { s.p.fds.close(a); return b; }
  const out = Buffer.alloc(8);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  if (!s.p.space.write(s.ptr(3), out)) { s.p.fds.close(a); s.p.fds.close(b); return -E.EFAULT; }
  return 0;
}

function bind(s: Sys): SyscallResult {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const a = readAddr(s, s.ptr(1), s.int(2));
  if (typeof a === 'number') return a;
  const r = s.m.host.sockBind(so.sock.hostFd, a);
  return r < 0 ? hostErr(r) : 0;
}

function connect(s: Sys): SyscallResult | Promise<SyscallResult> {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const a = readAddr(s, s.ptr(1), s.int(2));
  if (typeof a === 'number') return a;
  const host = s.m.host;
  const r = host.sockConnect(so.sock.hostFd, a);
  if (r >= 0) return 0;
  const err = hostErr(r);
  if (err !== -E.EINPROGRESS || so.file.flags & O.NONBLOCK) return err;
  // A blocking connect: wait until writable (the watcher thread tells), then the outcome is SO_ERROR.
  return s.m.block(s.t, 'connect', true, (done) => {
    const check = (): void => {
      if (!so.sock.ready('out')) return;
      const v = host.sockGetOpt(so.sock.hostFd, 1, 4, 4);
      const e = typeof v === 'number' ? -v : v.readInt32LE(0);
      done(e ? -fromLinuxErrno(e) : 0);
    };
    const off = so.sock.watch(check, 'out');
    check(); // it may have connected since the call returned EINPROGRESS
    return off;
  });
}

function accept(s: Sys, flagsArg: number | undefined): SyscallResult | Promise<SyscallResult> {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const flags = flagsArg === undefined ? 0 : s.int(flagsArg);
  const addr = s.ptr(1), lenp = s.ptr(2);
  return whenReady(s, so.file, 'in', false, 'accept', () => {
    const r = s.m.host.sockAccept(so.sock.hostFd);
    if (typeof r === 'number') return hostErr(r);
    const fd = newSocket(s, r[0], so.sock.type, flags);
    if (fd < 0) return fd;
    const w = writeAddr(s, r[1], addr, lenp);
    return w < 0 ? w : fd;
  });
}

function sockname(s: Sys, peer: boolean): SyscallResult {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const r = s.m.host.sockName(so.sock.hostFd, peer);
  if (typeof r === 'number') return hostErr(r);
  return writeAddr(s, r, s.ptr(1), s.ptr(2));
}

function sendto(s: Sys): SyscallResult | Promise<SyscallResult> {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const len = s.ptr(2), flags = s.int(3), to = s.ptr(4);
  if (len > 0x7fffffff) return -E.EINVAL;
  const data = len ? s.p.space.read(s.ptr(1), len) : Buffer.alloc(0);
  if (!data) return -E.EFAULT;
  let addr: Buffer | null = null;
  if (to) {
    const a = readAddr(s, to, s.int(5));
    if (typeof a === 'number') return a;
    addr = a;
  }
  const nb = (flags & (MSG_DONTWAIT | MSG_FNONBLOCKING)) !== 0;
  return whenReady(s, so.file, 'out', nb, 'sendto', () => {
    const r = s.m.host.sockSendTo(so.sock.hostFd, data, msgToLinux(flags) | 0x40, addr);
    return r < 0 ? hostErr(r) : r;
  });
}

function recvfrom(s: Sys): SyscallResult | Promise<SyscallResult> {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const bufp = s.ptr(1), len = s.ptr(2), flags = s.int(3), from = s.ptr(4), fromlen = s.ptr(5);
  if (len > 0x7fffffff) return -E.EINVAL;
  const buf = Buffer.alloc(Math.min(len, 1 << 24));
  const nb = (flags & (MSG_DONTWAIT | MSG_FNONBLOCKING)) !== 0;
  return whenReady(s, so.file, 'in', nb, 'recvfrom', () => {
    const r = s.m.host.sockRecvFrom(so.sock.hostFd, buf, msgToLinux(flags) | 0x40);
    if (typeof r === 'number') return hostErr(r);
    const n = Math.min(r[0], buf.length);
    if (n > 0 && !s.p.space.write(bufp, buf, 0, n)) return -E.EFAULT;
    if (from && r[1].length >= 2) {
      const w = writeAddr(s, r[1], from, fromlen);
      if (w < 0) return w;
    }
    return r[0];
  });
}

function msgIov(s: Sys, hdr: Contents<typeof Msghdr>): [number, number][] | number {
  const parts = readIovecs(s, Number(hdr.iov), hdr.iovlen);
  return parts === -E.EINVAL ? -E.EMSGSIZE : parts;
}

const SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x1000, MSG_CTRUNC = 0x20;
/** CMSG_DATA's offset: the header rounded up to the 8-byte alignment. */
const CMSG_HDR = (Cmsghdr.size + 7) & ~7;

/** Host descriptors named by SCM_RIGHTS messages in a DragonFly control buffer. */
function rightsOut(s: Sys, control: number, len: number): number[] | number {
  const c = s.p.space.read(control, len);
  if (!c) return -E.EFAULT;
  const fds: number[] = [];
  for (let off = 0; off + Cmsghdr.size <= len;) {
    const { len: clen, level, type } = Cmsghdr.read(c, off);
    if (clen < Cmsghdr.size || off + clen > len) return -E.EINVAL;
    if (level !== SOL_SOCKET || type !== SCM_RIGHTS) return -E.EOPNOTSUPP;
    for (let p = off + CMSG_HDR; p + 4 <= off + clen; p += 4) {
      const e = s.p.fds.get(c.readInt32LE(p));
      if (!e) return -E.EBADF;
      const h = e.file.ops.hostFd ?? s.k.inflight.placeholderFor(e.file);
      if (h === undefined) return -E.EOPNOTSUPP;
      fds.push(h);
    }
    off += (clen + 7) & ~7;
  }
  return fds;
}

/** A guest descriptor for a host descriptor received over a socket. */
function adoptHostFd(s: Sys, hostFd: number, cloexec: boolean): number {
  const mine = s.k.inflight.claim(hostFd);
  if (mine) {
    s.m.host.closeFd(hostFd);
    const fd = s.p.fds.alloc(mine, cloexec);
    if (fd < 0) mine.unref();
    return fd;
  }
  let ops: FileOps;
  const st = fs.fstatSync(hostFd, { bigint: true });
  if (st.isSocket()) {
    const t = s.m.host.sockGetOpt(hostFd, 1, 3, 4);
    ops = new HostSocket(hostFd, s.m.host, typeof t === 'number' ? 1 : t.readInt32LE(0));
  } else {
    let where = `/proc/self/fd/${hostFd}`;
    try { where = fs.readlinkSync(where); } catch { /* keep the proc path */ }
    ops = st.isDirectory() ? new HostDir(hostFd, where, s.m.host) : new HostFile(hostFd, where, st, s.m.host);
  }
  const file = new OpenFile(ops, O.RDWR);
  const fd = s.p.fds.alloc(file, cloexec);
  if (fd < 0) file.unref();
  return fd;
}

function sendmsg(s: Sys): SyscallResult | Promise<SyscallResult> {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const raw = s.p.space.read(s.ptr(1), Msghdr.size);
  if (!raw) return -E.EFAULT;
  const hdr = Msghdr.read(raw);
  let rights: number[] = [];
  if (hdr.controllen > 0) {
    const r = rightsOut(s, Number(hdr.control), hdr.controllen);
    if (typeof r === 'number') return r;
    rights = r;
  }
  const parts = msgIov(s, hdr);
  if (typeof parts === 'number') return parts;
  const chunks: Buffer[] = [];
  for (const [b, l] of parts) {
    const d = l ? s.p.space.read(b, l) : Buffer.alloc(0);
    if (!d) return -E.EFAULT;
    chunks.push(d);
  }
  const data = Buffer.concat(chunks);
  let addr: Buffer | null = null;
  const name = Number(hdr.name);
  if (name) {
    const a = readAddr(s, name, hdr.namelen);
    if (typeof a === 'number') return a;
    addr = a;
  }
  const flags = s.int(2);
  const nb = (flags & (MSG_DONTWAIT | MSG_FNONBLOCKING)) !== 0;
  return whenReady(s, so.file, 'out', nb, 'sendmsg', () => {
    const r = rights.length
      ? s.m.host.sockSendFds(so.sock.hostFd, data, msgToLinux(flags) | 0x40, rights)
      : s.m.host.sockSendTo(so.sock.hostFd, data, msgToLinux(flags) | 0x40, addr);
    return r < 0 ? hostErr(r) : r;
  });
}

function recvmsg(s: Sys): SyscallResult | Promise<SyscallResult> {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const hdrAddr = s.ptr(1);
  const raw = s.p.space.read(hdrAddr, Msghdr.size);
  if (!raw) return -E.EFAULT;
  const hdr = Msghdr.read(raw);
  const parts = msgIov(s, hdr);
  if (typeof parts === 'number') return parts;
  const total = parts.reduce((a, [, l]) => a + l, 0);
  const buf = Buffer.alloc(Math.min(total, 1 << 24));
  const flags = s.int(2);
  const nb = (flags & (MSG_DONTWAIT | MSG_FNONBLOCKING)) !== 0;
  const control = Number(hdr.control), controlRoom = hdr.controllen;
  return whenReady(s, so.file, 'in', nb, 'recvmsg', () => {
    let r: [number, Buffer] | number;
    let rights: number[] = [];
    let ctrunc = false;
    if (controlRoom > 0) {
      const rr = s.m.host.sockRecvFds(so.sock.hostFd, buf, msgToLinux(flags) | 0x40);
      if (typeof rr === 'number') return hostErr(rr);
      r = [rr[0], Buffer.alloc(0)];
      rights = rr[1];
      ctrunc = rr[2];
    } else {
      r = s.m.host.sockRecvFrom(so.sock.hostFd, buf, msgToLinux(flags) | 0x40);
    }
    if (typeof r === 'number') return hostErr(r);
    if (scatter(s, parts, buf, Math.min(r[0], buf.length)) < 0) return -E.EFAULT;
    const name = Number(hdr.name);
    let namelen = 0;
    if (name && r[1].length >= 2) {
      const df = sockaddrFromLinux(r[1], (h) => s.m.guestPath(h));
      if (!s.p.space.write(name, df, 0, Math.min(hdr.namelen, df.length))) return -E.EFAULT;
      namelen = df.length;
    }
    let clen = 0;
    if (rights.length) {
      const fit = Math.max(0, Math.floor((controlRoom - CMSG_HDR) / 4));
      const take = rights.slice(0, fit);
      for (const extra of rights.slice(fit)) s.m.host.closeFd(extra);
      if (take.length < rights.length) ctrunc = true;
      if (take.length) {
        const c = Buffer.alloc(CMSG_HDR + 4 * take.length);
        Cmsghdr.write(c, { len: c.length, level: SOL_SOCKET, type: SCM_RIGHTS });
        take.forEach((h, i) => c.writeInt32LE(adoptHostFd(s, h, (flags & MSG_CMSG_CLOEXEC) !== 0), CMSG_HDR + 4 * i));
        if (!s.p.space.write(control, c)) return -E.EFAULT;
        clen = Math.min(controlRoom, (c.length + 7) & ~7);
      }
    }
    const out = Msghdr.write(Buffer.from(raw), {
      namelen, controllen: clen, flags: msgFromLinux(r[0] > buf.length ? 0x20 : 0) | (ctrunc ? MSG_CTRUNC : 0),
    });
    if (!s.p.space.write(hdrAddr, out)) return -E.EFAULT;
    return r[0];
  });
}

function setsockopt(s: Sys): SyscallResult {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const level = s.int(1), name = s.int(2), len = s.int(4);
  if (len < 0 || len > 256) return -E.EINVAL;
  const v = s.p.space.read(s.ptr(3), len);
  if (!v) return -E.EFAULT;
  const lx = optToLinux(level, name);
  if (!lx) return level === SOL_SOCKET || level === 6 || level === 0 || level === 41 ? 0 : -E.ENOPROTOOPT;
  const r = s.m.host.sockSetOpt(so.sock.hostFd, lx[0], lx[1], v);
  return r < 0 ? hostErr(r) : 0;
}

function getsockopt(s: Sys): SyscallResult {
  const so = sockArg(s, 0);
  if (typeof so === 'number') return so;
  const level = s.int(1), name = s.int(2), valp = s.ptr(3), lenp = s.ptr(4);
  const lb = s.p.space.read(lenp, 4);
  if (!lb) return -E.EFAULT;
  const room = lb.readInt32LE(0);
  if (room < 0) return -E.EINVAL;
  const lx = optToLinux(level, name);
  if (!lx) return -E.ENOPROTOOPT;
  const r = s.m.host.sockGetOpt(so.sock.hostFd, lx[0], lx[1], isTimeOpt(level, name) ? 16 : Math.max(room, 4));
  if (typeof r === 'number') return hostErr(r);
  let v = r;
  if (level === SOL_SOCKET && name === SO_ERROR) {
    v = Buffer.alloc(4);
    const e = r.readInt32LE(0);
    v.writeInt32LE(e ? fromLinuxErrno(e) : 0, 0);
  } else if (level === SOL_SOCKET && name === SO_TYPE) {
    v = Buffer.alloc(4);
    v.writeInt32LE(so.sock.type, 0);
  }
  if (!s.p.space.write(valp, v, 0, Math.min(room, v.length))) return -E.EFAULT;
  const out = Buffer.alloc(4);
  out.writeInt32LE(Math.min(room, v.length), 0);
  return s.p.space.write(lenp, out) ? 0 : -E.EFAULT;
}

// sendfile(fd, s, offset, nbytes, hdtr, sbytes*, flags): file -> socket.
function sendfile(s: Sys): SyscallResult | Promise<SyscallResult> {
  const fe = s.p.fds.get(s.int(0));
  if (!fe) return -E.EBADF;
  if (fe.file.ops.kind !== 'file') return -E.EINVAL;
  const so = sockArg(s, 1);
  if (typeof so === 'number') return so;
  const offset = s.long(2), nbytes = s.ptr(3), hdtr = s.ptr(4), sbytesp = s.ptr(5);
  if (offset < 0) return -E.EINVAL;
  if (hdtr) return -E.EOPNOTSUPP; // headers and trailers are not supported yet
  let sent = 0;
  const setSbytes = (): number => {
    if (!sbytesp) return 0;
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(sent), 0);
    return s.p.space.write(sbytesp, b) ? 0 : -E.EFAULT;
  };
  const step = (): number => {
    for (;;) {
      const want = nbytes === 0 ? 1 << 20 : Math.min(1 << 20, nbytes - sent);
      if (want <= 0) break;
      const buf = Buffer.alloc(want);
      const n = fe.file.ops.read(buf, offset + sent, fe.file, true);
      if (typeof n !== 'number') return -E.EIO;
      if (n < 0) return n;
      if (n === 0) break;
      const w = s.m.host.sockSendTo(so.sock.hostFd, buf.subarray(0, n), 0x40, null);
      if (w < 0) {
        const e = hostErr(w);
        if (e === -E.EAGAIN && sent > 0 && so.file.flags & O.NONBLOCK) break;
        return e;
      }
      sent += w;
      if (w < n) break;
    }
    const e = setSbytes();
    return e < 0 ? e : 0;
  };
  return whenReady(s, so.file, 'out', false, 'sendfile', step);
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const socketHandlers = {
  sendfile,
  socket,
  socketpair,
  bind,
  connect,
  listen: (s) => { const so = sockArg(s, 0); if (typeof so === 'number') return so; const r = s.m.host.sockListen(so.sock.hostFd, s.int(1)); return r < 0 ? hostErr(r) : 0; },
  accept: (s) => accept(s, undefined),
  accept4: (s) => accept(s, 3),
  getsockname: (s) => sockname(s, false),
  getpeername: (s) => sockname(s, true),
  sendto,
  recvfrom,
  sendmsg,
  recvmsg,
  setsockopt,
  getsockopt,
  shutdown: (s) => { const so = sockArg(s, 0); if (typeof so === 'number') return so; if (s.int(1) < 0 || s.int(1) > 2) return -E.EINVAL; const r = s.m.host.sockShutdown(so.sock.hostFd, s.int(1)); return r < 0 ? hostErr(r) : 0; },
} satisfies Record<string, Handler>;
