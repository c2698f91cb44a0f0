// The routing sysctl net.route (CTL_NET, PF_ROUTE): NET_RT_IFLIST answers with
// the host's interfaces as DragonFly 5.9 routing messages (RTM_VERSION 7, the
// header layout of sys/net/if.h after the 2019 reordering: index at 4, flags
// at 8, addrs at 12). Interface data comes from Linux's /sys/class/net and
// os.networkInterfaces(); Linux's "lo" is presented as DragonFly's "lo0".
import fs from 'node:fs';
import os from 'node:os';
import { dfIfFlags } from '../devices/ifflags.js';

const CTL_NET = 4, PF_ROUTE = 17;
const NET_RT_DUMP = 1, NET_RT_FLAGS = 2, NET_RT_IFLIST = 3;
const RTM_VERSION = 7, RTM_NEWADDR = 0xc, RTM_IFINFO = 0xe;
const RTA_NETMASK = 0x4, RTA_IFP = 0x10, RTA_IFA = 0x20, RTA_BRD = 0x80;
const AF_INET = 2, AF_INET6 = 28, AF_LINK = 18;
const IFT_ETHER = 6, IFT_LOOP = 24, IFT_OTHER = 1;
const IF_MSGHDR = 176, IFA_MSGHDR = 24;

/** Sockaddrs in routing messages are padded to a multiple of sizeof(long). */
const roundup = (n: number): number => (n === 0 ? 8 : (n + 7) & ~7);

interface HostIf { name: string; index: number; flags: number; mtu: number; type: number; mac: Buffer; addrs: os.NetworkInterfaceInfo[] }

function sysfs(name: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

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
    const index = Number(sysfs(name, 'ifindex'));
    if (!Number.isInteger(index) || index <= 0 || index > 0xffff) continue;
    const arphrd = Number(sysfs(name, 'type') ?? 1);
    const mac = Buffer.from((sysfs(name, 'address') ?? '').split(':').filter(Boolean).map((h) => parseInt(h, 16)));
    out.push({
      name: name === 'lo' ? 'lo0' : name,
      index,
      flags: dfIfFlags(Number(sysfs(name, 'flags') ?? 0)),
      mtu: Number(sysfs(name, 'mtu') ?? 1500),
      type: arphrd === 772 ? IFT_LOOP : arphrd === 1 ? IFT_ETHER : IFT_OTHER,
      mac: arphrd === 772 ? Buffer.alloc(0) : mac,
      addrs: infos[name] ?? [],
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

function sockaddrDl(ifc: HostIf): Buffer {
  const name = Buffer.from(ifc.name, 'latin1');
  const len = 8 + Math.max(12, name.length + ifc.mac.length);
  const b = Buffer.alloc(roundup(len));
  b[0] = len;
  b[1] = AF_LINK;
  b.writeUInt16LE(ifc.index, 2);
  b[4] = ifc.type;
  b[5] = name.length;
  b[6] = ifc.mac.length;
  name.copy(b, 8);
  ifc.mac.copy(b, 8 + name.length);
  return b;
}

function sockaddrIn(addr: string, family: number, scope = 0): Buffer {
  if (family === AF_INET) {
    const b = Buffer.alloc(16);
    b[0] = 16;
    b[1] = AF_INET;
    addr.split('.').forEach((o, i) => { b[4 + i] = Number(o); });
    return b;
  }
  const b = Buffer.alloc(32);
  b[0] = 28;
  b[1] = AF_INET6;
  ipv6Bytes(addr).copy(b, 8);
  b.writeUInt32LE(scope, 24);
  return b;
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
  const h = Buffer.alloc(IF_MSGHDR);
  h.writeUInt16LE(IF_MSGHDR + dl.length, 0);
  h[2] = RTM_VERSION;
  h[3] = RTM_IFINFO;
  h.writeUInt16LE(ifc.index, 4);
  h.writeInt32LE(ifc.flags, 8);
  h.writeInt32LE(RTA_IFP, 12);
  // struct if_data at 16: type, physical, addrlen, hdrlen, ..., then u_long mtu at +8.
  h[16] = ifc.type;
  h[18] = ifc.mac.length;
  h[19] = ifc.type === IFT_ETHER ? 14 : 0;
  h.writeBigUInt64LE(BigInt(ifc.mtu), 24);
  h.writeBigUInt64LE(ifc.flags & 0x40 ? 1n : 0n, 40); // link_state: up when running
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
  const h = Buffer.alloc(IFA_MSGHDR);
  h.writeUInt16LE(IFA_MSGHDR + body.length, 0);
  h[2] = RTM_VERSION;
  h[3] = RTM_NEWADDR;
  h.writeUInt16LE(ifc.index, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(addrs, 12);
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
