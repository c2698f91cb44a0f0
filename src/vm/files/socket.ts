// A host socket serving a guest socket. The host descriptor is always
// non-blocking; blocking guest calls wait for readiness instead.
import { fromLinuxErrno, E } from '../abi/errno.js';
import type { HostHelpers } from '../../cpu/engine.js';
import type { FileOps, IoResult, StatInfo } from './file.js';
import type { GuestThread } from '../thread.js';
import { ifIoctl } from '../../devices/ifioctl.js';

const POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10;
let nextIno = 1n << 40n;

export function hostErr(r: number): number {
  return -fromLinuxErrno(-r);
}

export class HostSocket implements FileOps {
  readonly kind = 'socket';
  private readonly ino = nextIno++;
  constructor(readonly hostFd: number, private host: HostHelpers, readonly type: number) {}
  read(buf: Buffer): IoResult {
    const r = this.host.sockRecvFrom(this.hostFd, buf, 0);
    return typeof r === 'number' ? hostErr(r) : r[0];
  }
  write(buf: Buffer): IoResult {
    const r = this.host.sockSendTo(this.hostFd, buf, 0, null);
    return r < 0 ? hostErr(r) : r;
  }
  ready(dir: 'in' | 'out'): boolean {
    const r = this.host.pollFd(this.hostFd, dir === 'in' ? POLLIN : POLLOUT);
    return r !== 0;
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
    this.host.closeFd(this.hostFd);
  }
}

export { E };
