// DragonFly tap(4) on a Linux host: opening /dev/tap (cloning) or /dev/tapN in
// the guest creates or attaches a Linux TAP from /dev/net/tun (IFF_TAP|IFF_NO_PI),
// named by the kernel from "tap%d" or exactly tapN. The descriptor carries one
// Ethernet frame per read/write, like DragonFly's; closing a cloned tap's last
// descriptor destroys the interface (Linux drops non-persistent TAPs on close).
import type { AddressSpace } from '../cpu/engine.js';
import type { HostOs } from '../host/hostos.js';
import { E, errnoName, fromLinuxErrno } from '../vm/abi/errno.js';
import { O } from '../vm/abi/flags.js';
import type { FileOps, IoResult, OpenFile, StatInfo } from '../vm/files/file.js';
import type { GuestThread } from '../vm/thread.js';
import type { DeviceNode } from './nodes.js';
import { dfIfFlags } from './ifflags.js';
import { EPOLLIN, EPOLLOUT, HostReadiness, type Dir } from '../vm/files/hostwatch.js';
import { IOCTL } from '../vm/abi/ioctls.js';

// DragonFly ioctls served on a tap descriptor (sys/net/tap/if_tap.h, sys/sys/filio.h, sys/sys/sockio.h).
export const { FIODNAME, TAPGIFINFO, TAPGIFNAME, SIOCGIFADDR, FIONREAD } = IOCTL;
export const TAP_SIOCGIFFLAGS = IOCTL.SIOCGIFFLAGS;
const L_FIONREAD = 0x541b;
const IFT_ETHER = 6;
const POLLIN = 1;
/**
 * The character-device major vkemu reports for taps. DragonFly's devfs hands
 * majors out dynamically; the vkernel only uses FIODNAME's name, so any fixed
 * value does. 149 was tap's historical CDEV_MAJOR.
 */
export const TAP_MAJOR = 149;

/** DragonFly's dev_t for (major, minor-index): minor() = dev & 0xffff00ff, major() = (dev >> 8) & 0xff. */
export function dfMakedev(major: number, unit: number): number {
  return ((major & 0xff) << 8 | (unit & 0xff) | (unit & ~0xff) << 8) >>> 0;
}

let nextIno = 1n << 41n;

export class TapDevice implements FileOps {
  readonly kind = 'dev';
  readonly seekable = false;
  readonly unit: number;
  private readonly ino = nextIno++;
  private closed = false;
  /** Frames arriving wake waiters (the vkernel's RX cothread sits in select) without polling. */
  private readonly readiness: HostReadiness;
  constructor(readonly hostFd: number, readonly ifname: string, readonly cloned: boolean, private host: HostOs) {
    this.unit = Number(/(\d+)$/.exec(ifname)?.[1] ?? -1);
    // Room edges too: a blocking write that got EAGAIN (a full queue) waits for one.
    this.readiness = new HostReadiness(host, hostFd, EPOLLIN | EPOLLOUT);
  }

  /** One frame straight between guest memory and the TAP; a blocking caller that finds none falls back to read(). */
  io(write: boolean, space: AddressSpace, addr: number, len: number, _pos: number | null, desc: OpenFile): number | undefined {
    const n = space.fdIo(write, this.hostFd, addr, len, -1);
    if (n === -11 /* Linux EAGAIN */ && !write && !(desc.flags & O.NONBLOCK)) return undefined;
    return n < 0 ? -fromLinuxErrno(-n) : n;
  }
  read(buf: Buffer): IoResult {
    const n = this.host.hostIo(false, this.hostFd, buf, -1);
    return n < 0 ? -fromLinuxErrno(-n) : n;
  }
  write(buf: Buffer): IoResult {
    const n = this.host.hostIo(true, this.hostFd, buf, -1);
    return n < 0 ? -fromLinuxErrno(-n) : n;
  }
  /** DragonFly's tap is always writable (a Linux TAP that is down polls not writable). */
  ready(dir: 'in' | 'out'): boolean {
    return dir === 'out' || this.host.pollFd(this.hostFd, POLLIN) > 0;
  }
  watch(changed: () => void, dir?: Dir): () => void {
    return this.readiness.watch(changed, dir);
  }
  edges(dir: Dir): number {
    return this.readiness.edges(dir);
  }
  stat(): StatInfo {
    return { ino: this.ino, nlink: 1, dev: 0, mode: 0o20600, uid: 0, gid: 0, rdev: dfMakedev(TAP_MAJOR, this.unit),
      atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, size: 0n, blocks: 0n, blksize: 4096 };
  }
  ioctl(cmd: number, arg: number, t: GuestThread): number {
    const space = t.proc.space;
    switch (cmd >>> 0) {
      case FIODNAME: {
        // struct fiodname_args { void *name; unsigned len; }: the name with its NUL must fit.
        const a = space.read(arg, 12);
        if (!a) return -E.EFAULT;
        const name = Buffer.from(this.ifname + '\0', 'latin1');
        if (name.length > a.readUInt32LE(8)) return -E.EINVAL;
        return space.write(Number(a.readBigUInt64LE(0)), name) ? 0 : -E.EFAULT;
      }
      case TAPGIFINFO: {
        // struct tapinfo { int baudrate; short mtu; u_char type; u_char dummy; }
        const mtu = this.host.ifMtu(this.ifname);
        if (mtu < 0) return -fromLinuxErrno(-mtu);
        const b = Buffer.alloc(8);
        b.writeInt16LE(mtu, 4);
        b[6] = IFT_ETHER;
        return space.write(arg, b) ? 0 : -E.EFAULT;
      }
      case TAPGIFNAME: {
        const b = Buffer.alloc(32);
        b.write(this.ifname, 0, 15, 'latin1');
        return space.write(arg, b) ? 0 : -E.EFAULT;
      }
      case SIOCGIFADDR: {
        // The vkernel passes a 6-byte buffer although the encoding says 32: write only the MAC.
        const mac = this.host.ifHwaddr(this.ifname);
        if (typeof mac === 'number') return -fromLinuxErrno(-mac);
        return space.write(arg, mac, 0, 6) ? 0 : -E.EFAULT;
      }
      case TAP_SIOCGIFFLAGS: {
        // tap(4) copies its int if_flags to the start of the buffer.
        const f = this.host.ifFlags(this.ifname);
        if (f < 0) return -fromLinuxErrno(-f);
        const b = Buffer.alloc(4);
        b.writeInt32LE(dfIfFlags(f), 0);
        return space.write(arg, b) ? 0 : -E.EFAULT;
      }
      case FIONREAD: {
        // Linux answers with the size of the next frame, as DragonFly's tap does.
        const b = Buffer.alloc(4);
        if (this.host.ioctlBuf(this.hostFd, L_FIONREAD, b) < 0) b.writeInt32LE(0, 0);
        return space.write(arg, b) ? 0 : -E.EFAULT;
      }
      default:
        return -E.ENOTTY;
    }
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readiness.close();
    this.host.closeFd(this.hostFd);
  }
}

/** Open a Linux TAP for the guest's /dev/tap or /dev/tapN: the device or -errno (DragonFly). */
export function openTap(host: HostOs, unit: string | undefined, log: (l: string) => void): TapDevice | number {
  const r = host.tapOpen(unit === undefined ? 'tap%d' : `tap${unit}`);
  if (typeof r === 'number') {
    const err = fromLinuxErrno(-r);
    const why = err === E.ENOENT ? '/dev/net/tun is missing (modprobe tun)'
      : err === E.EPERM || err === E.EACCES ? 'CAP_NET_ADMIN is needed'
        : err === E.EBUSY ? `tap${unit ?? ''} is already open (Linux allows one descriptor per TAP)`
          : errnoName(err);
    log(`vkemu: /dev/tap${unit ?? ''}: cannot create a Linux TAP: ${why}`);
    return -err;
  }
  return new TapDevice(r[0], r[1], unit === undefined, host);
}

/** /dev/tap (the clone device) and /dev/tapN. */
export const tapNode: DeviceNode = {
  match: /^\/dev\/tap(\d+)?$/,
  name: 'tap',
  open: (s, _path, _flags, m) => openTap(s.m.host, m[1], s.m.log),
};
