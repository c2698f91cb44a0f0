// __sysctl: the name->OID protocol and reads of the tree (§7.8).
import { E } from '../abi/errno.js';
import { SysctlTree } from '../sysctl.js';
import { routeSysctl } from '../netroute.js';
import { procTable } from '../kinfo.js';
import type { Sys, Handler } from './types.js';

export const tree = new SysctlTree();

function sysctl(s: Sys): number {
  const nameAddr = s.ptr(0), namelen = s.uint(1), old = s.ptr(2), oldlenp = s.ptr(3), neu = s.ptr(4), newlen = s.ptr(5);
  if (namelen < 2 || namelen > 12) return -E.EINVAL;
  const nb = s.p.space.read(nameAddr, namelen * 4);
  if (!nb) return -E.EFAULT;
  const oid: number[] = [];
  for (let i = 0; i < namelen; i++) oid.push(nb.readInt32LE(i * 4));
  let oldlen = 0;
  if (oldlenp) {
    const b = s.p.space.read(oldlenp, 8);
    if (!b) return -E.EFAULT;
    oldlen = Number(b.readBigUInt64LE(0));
  }
  let value: Buffer;
  let procs: Buffer | number | undefined;
  if (oid[0] === 0 && oid[1] === 3) {
    // name -> OID: the name comes as the "new" value, without its NUL.
    if (newlen === 0) return -E.ENOENT;
    if (newlen >= 1024) return -E.ENAMETOOLONG;
    const nm = s.p.space.read(neu, newlen);
    if (!nm) return -E.EFAULT;
    const name = nm.toString('latin1').replace(/\0.*$/s, '');
    const node = tree.lookupName(name);
    const ids = node?.oid ?? tree.nodeOid(name);
    if (!ids) return -E.ENOENT;
    value = Buffer.alloc(ids.length * 4);
    ids.forEach((v, i) => value.writeInt32LE(v, i * 4));
  } else if ((procs = procTable(s.m, oid)) !== undefined) {
    if (typeof procs === 'number') return -procs;
    if (neu && newlen) return -E.EPERM;
    value = procs;
  } else {
    const node = tree.lookupOid(oid);
    const route = node ? undefined : routeSysctl(oid);
    if (!node && !route) return -E.ENOENT;
    if (node?.query && neu && newlen) {
      if (newlen > 1024) return -E.EINVAL;
      const input = s.p.space.read(neu, newlen);
      if (!input) return -E.EFAULT;
      const v = node.query(input);
      if (typeof v === 'number') return -v;
      value = v;
    } else {
      if (neu && newlen) return -E.EPERM;
      value = node ? node.read(s.m, s.p) : route!;
    }
  }
  if (old) {
    const n = Math.min(oldlen, value.length);
    if (n > 0 && !s.p.space.write(old, value, 0, n)) return -E.EFAULT;
  }
  if (oldlenp) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value.length), 0);
    if (!s.p.space.write(oldlenp, b)) return -E.EFAULT;
  }
  if (old && oldlen < value.length) return -E.ENOMEM;
  return 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const sysctlHandlers = {
  __sysctl: sysctl,
} satisfies Record<string, Handler>;
