// Interface-configuration ioctls a guest issues on a socket (DragonFly
// ifioctl): the flags, an IPv4 address and bridge membership of host
// interfaces, served by the Linux equivalents. This is what the vkernel's
// netif_set_tapflags / netif_set_tapaddr / netif_add_tap2brg do to its tap.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressSpace } from '../cpu/engine.js';
import type { HostOs } from '../host/hostos.js';
import { E, fromLinuxErrno } from '../vm/abi/errno.js';
import { Ifaliasreq, Ifbreq, Ifdrv, Ifreq } from '../vm/abi/structs.js';
import { dfIfFlags, linuxIfFlags } from './ifflags.js';

export const SIOCGIFFLAGS = 0xc0206911, SIOCSIFFLAGS = 0x80206910, SIOCAIFADDR = 0x8040691a,
  SIOCSDRVSPEC = 0x8028697b;
const BRDGADD = 0, BRDGDEL = 1;
const AF_INET = 2;

/** An interface name from a fixed IFNAMSIZ field, or undefined when it has no NUL. */
function ifName(f: Buffer): string | undefined {
  const nul = f.indexOf(0);
  if (nul <= 0) return undefined;
  const name = f.toString('latin1', 0, nul);
  // Names become /sys/class/net paths: no separators or dot-dot.
  return /^[\w.:-]+$/.test(name) && name !== '.' && name !== '..' ? name : undefined;
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
    default:
      return -E.ENOTTY;
  }
}
