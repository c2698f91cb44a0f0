// A host socket serving a guest socket. The host descriptor is always
// non-blocking; blocking guest calls wait for readiness instead, woken by the
// native watcher (files/hostwatch.ts) rather than by polling.
import { fromLinuxErrno, E } from '../abi/errno.js';
import type { HostOs } from '../../host/hostos.js';
import type { FileOps, IoResult, OpenFile, StatInfo } from './file.js';
import { O } from '../abi/flags.js';
import type { AddressSpace } from '../../cpu/engine.js';
import type { GuestThread } from '../thread.js';
import { ifIoctl } from '../../devices/ifioctl.js';
import { EPOLLIN, EPOLLOUT, EPOLLRDHUP, HostReadiness, type Dir } from './hostwatch.js';

const POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10;
const LINUX_EAGAIN = 11;
let nextIno = 1n << 40n;

export function hostErr(r: number): number {
  return -fromLinuxErrno(-r);
}

export class HostSocket implements FileOps {
  readonly kind = 'socket';
  private readonly ino = nextIno++;
  private readonly readiness: HostReadiness;
  constructor(readonly hostFd: number, private host: HostOs, readonly type: number) {
    this.readiness = new HostReadiness(host, hostFd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  }
  read(buf: Buffer): IoResult {
    const r = this.host.sockRecvFrom(this.hostFd, buf, 0);
    return typeof r === 'number' ? hostErr(r) : r[0];
  }
  write(buf: Buffer): IoResult {
    const r = this.host.sockSendTo(this.hostFd, buf, 0, null);
    return r < 0 ? hostErr(r) : r;
  }
  /**
   * read/write straight between guest memory and the socket (readv/writev, which are recv/send
   * without flags), without a buffer in between. A blocking read that would block takes the
   * buffered path (undefined), which waits as before.
   */
  io(write: boolean, space: AddressSpace, addr: number, len: number, _pos: number | null, desc: OpenFile): number | undefined {
    if (len <= 0) return undefined;
    const r = space.fdIo(write, this.hostFd, addr, len, -1);
    if (r >= 0) return r;
    // EAGAIN: a writer waits (the caller's whenReady); a non-blocking reader has its answer.
    if (r === -LINUX_EAGAIN && !write && !(desc.flags & O.NONBLOCK)) return undefined;
    return hostErr(r);
  }
  ready(dir: 'in' | 'out'): boolean {
    const r = this.host.pollFd(this.hostFd, dir === 'in' ? POLLIN : POLLOUT);
    return r !== 0;
  }
  watch(changed: () => void, dir?: Dir): () => void {
    return this.readiness.watch(changed, dir);
  }
  edges(dir: Dir): number {
    return this.readiness.edges(dir);
  }
  /** Interface configuration (SIOCGIFFLAGS, SIOCAIFADDR, bridge ports, ...); ENOTTY otherwise. */
  ioctl(cmd: number, arg: number, t: GuestThread): number {
    return ifIoctl(this.host, cmd, arg, t.proc.space);
  }
  hangup(): boolean {
    return (this.host.pollFd(this.hostFd, POLLIN) & (POLLHUP | POLLERR)) !== 0;
  }
  stat(): StatInfo {
    return { ino: this.ino, nlink: 1, dev: 0, mode: 0o140666, uid: 0, gid: 0, rdev: 0, atimeNs: 0n, mtimeNs: 0n,
      ctimeNs: 0n, size: 0n, blocks: 0n, blksize: 4096 };
  }
  close(): void {
    this.readiness.close(); // before the number can be reused
    this.host.closeFd(this.hostFd);
  }
}

export { E };
