// DragonFly socket constants and address layouts, and their Linux twins.
import path from 'node:path';
import { E } from './errno.js';

export const AF_UNIX = 1, AF_INET = 2, AF_INET6 = 28;
const LINUX_AF_INET6 = 10;
export const SOCK_CLOEXEC = 0x10000000, SOCK_NONBLOCK = 0x20000000;
export const SOL_SOCKET = 0xffff;
const IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_IPV6 = 41;

export function domainToLinux(d: number): number | undefined {
  return d === AF_UNIX ? 1 : d === AF_INET ? 2 : d === AF_INET6 ? LINUX_AF_INET6 : undefined;
}

// [DragonFly level, name] -> [Linux level, name]
const OPTS = new Map<string, [number, number]>([
  [`${SOL_SOCKET}:1`, [1, 1]], [`${SOL_SOCKET}:2`, [1, 30]], [`${SOL_SOCKET}:4`, [1, 2]], [`${SOL_SOCKET}:8`, [1, 9]],
  [`${SOL_SOCKET}:16`, [1, 5]], [`${SOL_SOCKET}:32`, [1, 6]], [`${SOL_SOCKET}:128`, [1, 13]], [`${SOL_SOCKET}:256`, [1, 10]],
  [`${SOL_SOCKET}:512`, [1, 15]], [`${SOL_SOCKET}:4097`, [1, 7]], [`${SOL_SOCKET}:4098`, [1, 8]], [`${SOL_SOCKET}:4099`, [1, 19]],
  [`${SOL_SOCKET}:4100`, [1, 18]], [`${SOL_SOCKET}:4103`, [1, 4]], [`${SOL_SOCKET}:4104`, [1, 3]],
  [`${IPPROTO_TCP}:1`, [6, 1]], [`${IPPROTO_TCP}:2`, [6, 2]], [`${IPPROTO_TCP}:256`, [6, 4]], [`${IPPROTO_TCP}:512`, [6, 5]],
  [`${IPPROTO_TCP}:1024`, [6, 6]],
  [`${IPPROTO_IP}:3`, [0, 1]], [`${IPPROTO_IP}:4`, [0, 2]], [`${IPPROTO_IP}:10`, [0, 33]], [`${IPPROTO_IP}:11`, [0, 34]],
  [`${IPPROTO_IP}:12`, [0, 35]],
  [`${IPPROTO_IPV6}:27`, [41, 26]], [`${IPPROTO_IPV6}:4`, [41, 16]], [`${IPPROTO_IPV6}:10`, [41, 18]],
  [`${IPPROTO_IPV6}:11`, [41, 19]], [`${IPPROTO_IPV6}:9`, [41, 17]], [`${IPPROTO_IPV6}:12`, [41, 20]],
]);
export function optToLinux(level: number, name: number): [number, number] | undefined {
  return OPTS.get(`${level}:${name}`);
}
/** Options whose value is a struct timeval (same layout on both). */
export function isTimeOpt(level: number, name: number): boolean {
  return level === SOL_SOCKET && (name === 0x1005 || name === 0x1006);
}
export const SO_ERROR = 0x1007, SO_TYPE = 0x1008;

const MSG: [number, number][] = [[0x1, 0x1], [0x2, 0x2], [0x4, 0x4], [0x8, 0x80], [0x10, 0x20], [0x20, 0x8],
  [0x40, 0x100], [0x80, 0x40], [0x400, 0x4000]];
export const MSG_DONTWAIT = 0x80, MSG_FNONBLOCKING = 0x20000;
export function msgToLinux(f: number): number {
  let o = 0;
  for (const [d, l] of MSG) if (f & d) o |= l;
  return o;
}
export function msgFromLinux(f: number): number {
  let o = 0;
  for (const [d, l] of MSG) if (f & l) o |= d;
  return o;
}

/** A DragonFly sockaddr (BSD layout with sa_len) -> Linux bytes, or -errno. */
export function sockaddrToLinux(b: Buffer, cwd: string, resolve: (p: string) => string): Buffer | number {
  if (b.length < 2) return -E.EINVAL;
  const fam = b[1];
  if (fam === AF_INET) {
    if (b.length < 16) return -E.EINVAL;
    const o = Buffer.alloc(16);
    o.writeUInt16LE(2, 0);
    b.copy(o, 2, 2, 16);
    return o;
  }
  if (fam === AF_INET6) {
    if (b.length < 28) return -E.EINVAL;
    const o = Buffer.alloc(28);
    o.writeUInt16LE(LINUX_AF_INET6, 0);
    b.copy(o, 2, 2, 28);
    return o;
  }
  if (fam === AF_UNIX) {
    let p = b.subarray(2).toString('latin1');
    const nul = p.indexOf('\0');
    if (nul >= 0) p = p.slice(0, nul);
    if (p === '') return -E.EINVAL;
    const host = p.startsWith('/') ? resolve(p) : path.resolve(cwd, p);
    const hb = Buffer.from(host);
    if (hb.length >= 108) return -E.ENAMETOOLONG;
    const o = Buffer.alloc(2 + hb.length + 1);
    o.writeUInt16LE(1, 0);
    hb.copy(o, 2);
    return o;
  }
  return -E.EAFNOSUPPORT;
}

/** Linux sockaddr bytes -> DragonFly layout (with sa_len). */
export function sockaddrFromLinux(l: Buffer, guestPath: (host: string) => string): Buffer {
  if (l.length < 2) return Buffer.from([2, 0]);
  const fam = l.readUInt16LE(0);
  if (fam === 2) {
    const o = Buffer.alloc(16);
    o[0] = 16;
    o[1] = AF_INET;
    l.copy(o, 2, 2, Math.min(16, l.length));
    return o;
  }
  if (fam === LINUX_AF_INET6) {
    const o = Buffer.alloc(28);
    o[0] = 28;
    o[1] = AF_INET6;
    l.copy(o, 2, 2, Math.min(28, l.length));
    return o;
  }
  if (fam === 1) {
    let p = l.subarray(2).toString('latin1');
    const nul = p.indexOf('\0');
    if (nul >= 0) p = p.slice(0, nul);
    const g = Buffer.from(p ? guestPath(p) : '');
    const o = Buffer.alloc(Math.min(106, 2 + g.length + 1));
    g.copy(o, 2, 0, o.length - 3);
    o[0] = o.length;
    o[1] = AF_UNIX;
    return o;
  }
  return Buffer.from([2, fam & 0xff]);
}
