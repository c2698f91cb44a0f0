// The routing sysctl net.route (CTL_NET, PF_ROUTE): NET_RT_IFLIST answers with
// the host's interfaces as DragonFly 5.9 routing messages (RTM_VERSION 7, the
// header layout of sys/net/if.h after the 2019 reordering: index at 4, flags
// at 8, addrs at 12). Interface data comes from Linux's /sys/class/net and
// os.networkInterfaces(); Linux's "lo" is presented as DragonFly's "lo0".
import fs from 'node:fs';
import os from 'node:os';
import { dfIfFlags } from '../devices/ifflags.js';
import { dfIfName, ifSysfs } from '../devices/ifnames.js';
import { IfaMsghdr, IfMsghdr, SockaddrDl, SockaddrIn, SockaddrIn6 } from './abi/structs.js';

const CTL_NET = 4, PF_ROUTE = 17;
const NET_RT_DUMP = 1, NET_RT_FLAGS = 2, NET_RT_IFLIST = 3;
const RTM_VERSION = 7, RTM_NEWADDR = 0xc, RTM_IFINFO = 0xe;
const RTA_NETMASK = 0x4, RTA_IFP = 0x10, RTA_IFA = 0x20, RTA_BRD = 0x80;
const AF_INET = 2, AF_INET6 = 28, AF_LINK = 18;
const IFT_ETHER = 6, IFT_LOOP = 24, IFT_OTHER = 1;

/** Sockaddrs in routing messages are padded to a multiple of sizeof(long). */
const roundup = (n: number): number => (n === 0 ? 8 : (n + 7) & ~7);

interface HostIf { name: string; index: number; flags: number; mtu: number; type: number; mac: Buffer; addrs: os.NetworkInterfaceInfo[] }

function hostInterfaces(): HostIf[] {
  const infos = os.networkInterfaces();
  let names: string[];
  try {
    names = fs.readdirSync('/sys/class/net');
  } catch {
    names = Object.keys(infos);
  }
  const out: HostIf[] = [];
  for (const name of names) {
    const index = Number(ifSysfs(name, 'ifindex'));
    if (!Number.isInteger(index) || index <= 0 || index > 0xffff) continue;
    const arphrd = Number(ifSysfs(name, 'type') ?? 1);
    const mac = Buffer.from((ifSysfs(name, 'address') ?? '').split(':').filter(Boolean).map((h) => parseInt(h, 16)));
    out.push({
      name: dfIfName(name),
      index,
      flags: dfIfFlags(Number(ifSysfs(name, 'flags') ?? 0)),
      mtu: Number(ifSysfs(name, 'mtu') ?? 1500),
      type: arphrd === 772 ? IFT_LOOP : arphrd === 1 ? IFT_ETHER : IFT_OTHER,
      mac: arphrd === 772 ? Buffer.alloc(0) : mac,
      addrs: infos[name] ?? [],
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

function sockaddrDl(ifc: HostIf): Buffer {
  const name = Buffer.from(ifc.name, 'latin1');
  const dataAt = SockaddrDl.off.data;
  // sdl_data holds the name, then the address; like the kernel's own (if_attach), the
  // sockaddr is never shorter than the structure, rounded up to a long.
  const len = roundup(Math.max(SockaddrDl.size, dataAt + name.length + ifc.mac.length));
  const b = Buffer.alloc(len);
  SockaddrDl.write(b, { len, family: AF_LINK, index: ifc.index, type: ifc.type, nlen: name.length, alen: ifc.mac.length });
  name.copy(b, dataAt);
  ifc.mac.copy(b, dataAt + name.length);
  return b;
}

function sockaddrIn(addr: string, family: number, scope = 0): Buffer {
  if (family === AF_INET) {
    return SockaddrIn.encode({ len: SockaddrIn.size, family: AF_INET, addr: Buffer.from(addr.split('.').map(Number)) });
  }
  const b = Buffer.alloc(roundup(SockaddrIn6.size));
  return SockaddrIn6.write(b, { len: SockaddrIn6.size, family: AF_INET6, addr: ipv6Bytes(addr), scopeId: scope });
}

function ipv6Bytes(addr: string): Buffer {
  const [head, tail] = addr.split('::');
  const words = (s: string | undefined): number[] => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head), t = words(tail);
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  all.forEach((w, i) => b.writeUInt16BE(w & 0xffff, i * 2));
  return b;
}

function broadcast(addr: string, mask: string): string {
  const a = addr.split('.').map(Number), m = mask.split('.').map(Number);
  return a.map((o, i) => (o | (~m[i] & 0xff)) & 0xff).join('.');
}

function ifinfo(ifc: HostIf): Buffer {
  const dl = sockaddrDl(ifc);
  const h = IfMsghdr.encode({
    msglen: IfMsghdr.size + dl.length, version: RTM_VERSION, type: RTM_IFINFO, index: ifc.index, flags: ifc.flags, addrs: RTA_IFP,
    data: {
      type: ifc.type, physical: 0, addrlen: ifc.mac.length, hdrlen: ifc.type === IFT_ETHER ? 14 : 0, mtu: BigInt(ifc.mtu), metric: 0n,
      linkState: ifc.flags & 0x40 ? 1n : 0n, // up when running
      baudrate: 0n,
    },
  });
  return Buffer.concat([h, dl]);
}

function newaddr(ifc: HostIf, a: os.NetworkInterfaceInfo): Buffer {
  const fam = a.family === 'IPv4' ? AF_INET : AF_INET6;
  const parts: Buffer[] = [];
  let addrs = RTA_NETMASK | RTA_IFA;
  parts.push(sockaddrIn(a.netmask, fam), sockaddrIn(a.address, fam, a.scopeid ?? 0));
  if (fam === AF_INET && ifc.flags & 0x2) {
    addrs |= RTA_BRD;
    parts.push(sockaddrIn(broadcast(a.address, a.netmask), fam));
  }
  const body = Buffer.concat(parts);
  const h = IfaMsghdr.encode({ msglen: IfaMsghdr.size + body.length, version: RTM_VERSION, type: RTM_NEWADDR, index: ifc.index, flags: 0, addrs });
  return Buffer.concat([h, body]);
}

/** Messages for NET_RT_IFLIST: each interface, then its addresses (of family af, 0 = all). */
function iflist(af: number, index: number): Buffer {
  const out: Buffer[] = [];
  for (const ifc of hostInterfaces()) {
    if (index && ifc.index !== index) continue;
    out.push(ifinfo(ifc));
    for (const a of ifc.addrs) {
      const fam = a.family === 'IPv4' ? AF_INET : AF_INET6;
      if (af && af !== fam) continue;
      out.push(newaddr(ifc, a));
    }
  }
  return Buffer.concat(out);
}

/**
 * The value of a net.route OID {CTL_NET, PF_ROUTE, 0, af, op, arg}; undefined
 * for other OIDs. The routing table itself (NET_RT_DUMP/FLAGS) reads as empty.
 */
export function routeSysctl(oid: number[]): Buffer | undefined {
  if (oid[0] !== CTL_NET || oid[1] !== PF_ROUTE || oid.length < 5) return undefined;
  const [, , , af, op, arg = 0] = oid;
  if (op === NET_RT_IFLIST) return iflist(af, arg);
  if (op === NET_RT_DUMP || op === NET_RT_FLAGS) return Buffer.alloc(0);
  return undefined;
}
