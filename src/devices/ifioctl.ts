// Interface-configuration ioctls a guest issues on a socket (DragonFly
// ifioctl): the flags, an IPv4 address and bridge membership of host
// interfaces, served by the Linux equivalents. This is what the vkernel's
// netif_set_tapflags / netif_set_tapaddr / netif_add_tap2brg do to its tap.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressSpace } from '../cpu/engine.js';
import type { HostOs } from '../host/hostos.js';
import { E, fromLinuxErrno } from '../vm/abi/errno.js';
import { In6IfreqAddr, In6IfreqFlags, In6Lifetime, Ifaliasreq, Ifbreq, Ifdrv, Ifreq, IfreqCap, IfreqIndex, IfreqInt } from '../vm/abi/structs.js';
import { linuxIfName, ifSysfs } from './ifnames.js';
import { dfIfFlags, linuxIfFlags } from './ifflags.js';
import { IOCTL } from '../vm/abi/ioctls.js';

export const { SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCAIFADDR, SIOCSDRVSPEC, SIOCGIFMETRIC, SIOCGIFCAP, SIOCGIFINDEX, SIOCGIFMTU,
  SIOCGIFAFLAG_IN6, SIOCGIFALIFETIME_IN6 } = IOCTL;
const BRDGADD = 0, BRDGDEL = 1;
const AF_INET = 2;

/** The Linux name of the interface named in a fixed IFNAMSIZ field, or undefined when the field has no NUL. */
function ifName(f: Buffer): string | undefined {
  const nul = f.indexOf(0);
  if (nul <= 0) return undefined;
  const name = f.toString('latin1', 0, nul);
  // Names become /sys/class/net paths: no separators or dot-dot.
  return /^[\w.:-]+$/.test(name) && name !== '.' && name !== '..' ? linuxIfName(name) : undefined;
}

/** Linux's answer for interface ioctls -> DragonFly's: a missing interface is ENXIO there. */
function ifErr(r: number): number {
  const e = fromLinuxErrno(-r);
  return -(e === E.ENODEV ? E.ENXIO : e);
}

/** The bridge a Linux interface is a port of, if any. */
function masterOf(ifname: string): string | undefined {
  try {
    return path.basename(fs.readlinkSync(`/sys/class/net/${ifname}/master`));
  } catch {
    return undefined;
  }
}

function bridgeCmd(host: HostOs, space: AddressSpace, req: Buffer): number {
  const drv = Ifdrv.read(req);
  const bridge = ifName(drv.name);
  if (!bridge) return -E.EINVAL;
  if (drv.cmd !== BigInt(BRDGADD) && drv.cmd !== BigInt(BRDGDEL)) return -E.EOPNOTSUPP;
  if (drv.len !== BigInt(Ifbreq.size)) return -E.EINVAL;
  const br = space.read(Number(drv.data), Ifbreq.size);
  if (!br) return -E.EFAULT;
  const member = ifName(Ifbreq.read(br).ifsname);
  if (!member) return -E.EINVAL;
  if (!fs.existsSync(`/sys/class/net/${bridge}`)) return -E.ENXIO;
  if (!fs.existsSync(`/sys/class/net/${member}`)) return -E.ENOENT;
  const add = drv.cmd === BigInt(BRDGADD);
  const r = host.bridgePort(bridge, member, add);
  if (r >= 0) return 0;
  // Linux says EBUSY for any existing membership; DragonFly says EEXIST when it
  // is this bridge (and the vkernel counts that as success).
  if (add && -r === 16 /* Linux EBUSY */ && masterOf(member) === bridge) return -E.EEXIST;
  return ifErr(r);
}

/** An interface ioctl on a guest socket: 0 or -errno (DragonFly); ENOTTY for anything else. */
export function ifIoctl(host: HostOs, cmd: number, arg: number, space: AddressSpace): number {
  switch (cmd >>> 0) {
    case SIOCGIFFLAGS: {
      const req = space.read(arg, Ifreq.size);
      if (!req) return -E.EFAULT;
      const name = ifName(Ifreq.read(req).name);
      if (!name) return -E.ENXIO;
      const f = host.ifFlags(name);
      if (f < 0) return ifErr(f);
      const df = dfIfFlags(f);
      Ifreq.write(req, { flags: df & 0xffff, flagshigh: df >>> 16 });
      return space.write(arg, req) ? 0 : -E.EFAULT;
    }
    case SIOCSIFFLAGS: {
      const req = space.read(arg, Ifreq.size);
      if (!req) return -E.EFAULT;
      const r0 = Ifreq.read(req);
      const name = ifName(r0.name);
      if (!name) return -E.ENXIO;
      const cur = host.ifFlags(name);
      if (cur < 0) return ifErr(cur);
      const df = r0.flags | r0.flagshigh << 16;
      const r = host.ifFlags(name, linuxIfFlags(df, cur));
      return r < 0 ? ifErr(r) : 0;
    }
    case SIOCAIFADDR: {
      const b = space.read(arg, Ifaliasreq.size);
      if (!b) return -E.EFAULT;
      const req = Ifaliasreq.read(b);
      const name = ifName(req.name);
      if (!name) return -E.ENXIO;
      if (req.addr.family !== AF_INET) return -E.EAFNOSUPPORT;
      const r = host.ifAddr(name, req.addr.addr, req.mask.addr, req.broadaddr.addr);
      return r < 0 ? ifErr(r) : 0;
    }
    case SIOCSDRVSPEC: {
      const req = space.read(arg, Ifdrv.size);
      if (!req) return -E.EFAULT;
      return bridgeCmd(host, space, req);
    }
    case SIOCGIFMTU: case SIOCGIFMETRIC: case SIOCGIFINDEX: case SIOCGIFCAP: case SIOCGIFAFLAG_IN6: case SIOCGIFALIFETIME_IN6:
      return ifGet(cmd >>> 0, arg, space);
    default:
      return -E.ENOTTY;
  }
}

const IFA_F_PERMANENT = 0x80;
// Linux's IFA_F_* address flags (/proc/net/if_inet6) -> DragonFly's IN6_IFF_*.
const IN6_FLAGS: readonly [linux: number, df: number][] = [
  [0x01, 0x80], // TEMPORARY
  [0x02, 0x20], // NODAD
  [0x08, 0x04], // DADFAILED -> DUPLICATED
  [0x20, 0x10], // DEPRECATED
  [0x40, 0x02], // TENTATIVE
];

/** Linux's IFA_F_* flags of an IPv6 address of a Linux interface, or undefined if it has no such address. */
function in6LinuxFlags(linux: string, addr: Buffer): number | undefined {
  let table: string;
  try { table = fs.readFileSync('/proc/net/if_inet6', 'utf8'); } catch { return undefined; }
  const hex = addr.toString('hex');
  for (const line of table.split('\n')) {
    const [a, , , , flags, name] = line.trim().split(/\s+/);
    if (a === hex && name === linux) return parseInt(flags, 16);
  }
  return undefined;
}

/** The getters ifconfig(8) asks for besides the flags: each reads the interface's /sys/class/net entry. */
function ifGet(cmd: number, arg: number, space: AddressSpace): number {
  const size = cmd === SIOCGIFAFLAG_IN6 || cmd === SIOCGIFALIFETIME_IN6 ? In6IfreqAddr.size : Ifreq.size;
  const req = space.read(arg, size);
  if (!req) return -E.EFAULT;
  const name = ifName(Ifreq.read(req).name);
  if (!name || ifSysfs(name, 'ifindex') === undefined) return -E.ENXIO;
  switch (cmd) {
    case SIOCGIFMTU: IfreqInt.write(req, { value: Number(ifSysfs(name, 'mtu') ?? 0) }); break;
    case SIOCGIFMETRIC: IfreqInt.write(req, { value: 0 }); break;
    case SIOCGIFINDEX: IfreqIndex.write(req, { index: Number(ifSysfs(name, 'ifindex')) & 0xffff }); break;
    // Offloads are the host's business: a guest sees none to turn on or off.
    case SIOCGIFCAP: IfreqCap.write(req, { reqcap: 0, curcap: 0 }); break;
    case SIOCGIFAFLAG_IN6: {
      const flags = in6LinuxFlags(name, In6IfreqAddr.read(req).addr.addr);
      if (flags === undefined) return -E.EADDRNOTAVAIL;
      In6IfreqFlags.write(req, { flags6: IN6_FLAGS.reduce((f, [l, d]) => (flags & l ? f | d : f), 0) });
      break;
    }
    case SIOCGIFALIFETIME_IN6: {
      const flags = in6LinuxFlags(name, In6IfreqAddr.read(req).addr.addr);
      if (flags === undefined) return -E.EADDRNOTAVAIL;
      // A permanent address lives for ever (expire 0 and infinite times); the lifetimes of
      // others are only in netlink, which vkemu does not read.
      if (!(flags & IFA_F_PERMANENT)) return -E.EOPNOTSUPP;
      In6Lifetime.write(req, { expire: 0n, preferred: 0n, vltime: 0xffffffff, pltime: 0xffffffff });
      break;
    }
  }
  return space.write(arg, req) ? 0 : -E.EFAULT;
}
