// The sysctl tree a DragonFly host answers (vkernel-host-abi.md §7.8).
import os from 'node:os';
import { randomBytes } from '../host/random.js';
import { hostCpus } from '../host/cpus.js';
import { OSRELDATE } from './exec.js';
import { USRSTACK } from './memory.js';
import { vkernelCapable } from '../cpu/engine.js';
import { deviceName } from '../devices/devname.js';
import type { Machine } from './machine.js';
import type { Process } from './process.js';

export type SysctlValue = Buffer;
export interface SysctlNode {
  name: string;
  oid: number[];
  /** Format for `sysctl -a`-style listings and the tracer. */
  kind: 'int' | 'uint' | 'long' | 'ulong' | 'string' | 'opaque' | 'struct';
  read: (m: Machine, p: Process) => SysctlValue;
  /** A node whose answer depends on a value the caller passes as the new value (kern.devname): the answer or an errno. */
  query?: (input: Buffer) => SysctlValue | number;
}

const int = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32LE(v, 0); return b; };
const long = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64LE(v, 0); return b; };
const str = (s: string): Buffer => Buffer.from(s + '\0');

/** Fixed OIDs of DragonFly's static nodes; the rest are numbered from 0x100. */
const FIXED: Record<string, number> = {
  kern: 1, vm: 2, vfs: 3, net: 4, debug: 5, hw: 6, machdep: 7, user: 8,
  'kern.ostype': 1, 'kern.osrelease': 2, 'kern.osrevision': 3, 'kern.version': 4, 'kern.maxvnodes': 5,
  'kern.maxproc': 6, 'kern.maxfiles': 7, 'kern.argmax': 8, 'kern.securelevel': 9, 'kern.hostname': 10,
  'kern.hostid': 11, 'kern.clockrate': 12, 'kern.proc': 14, 'kern.boottime': 21, 'kern.domainname': 22,
  'kern.osreldate': 24, 'kern.ngroups': 18, 'kern.usrstack': 33, 'kern.tls_extra': 37, 'kern.proc.pathname': 9,
  'hw.machine': 1, 'hw.model': 2, 'hw.ncpu': 3, 'hw.byteorder': 4, 'hw.physmem': 5, 'hw.usermem': 6,
  'hw.pagesize': 7, 'hw.machine_arch': 11,
  'user.cs_path': 1, 'user.posix2_version': 3,
};

export class SysctlTree {
  private byName = new Map<string, SysctlNode>();
  private byOid = new Map<string, SysctlNode>();
  private auto = new Map<string, number>();
  private nextAuto = 0x100;

  constructor() {
    const mem = BigInt(os.totalmem());
    const clockinfo = (): Buffer => { const b = Buffer.alloc(20); b.writeInt32LE(100, 0); b.writeInt32LE(10000, 4); b.writeInt32LE(0, 8); b.writeInt32LE(128, 12); b.writeInt32LE(1024, 16); return b; };
    this.add('kern.ostype', 'string', () => str('DragonFly'));
    this.add('kern.osrelease', 'string', () => str('5.9-DEVELOPMENT'));
    this.add('kern.osrevision', 'int', () => int(199506));
    this.add('kern.version', 'string', () => str('DragonFly v5.9-DEVELOPMENT (vkemu host)\n'));
    this.add('kern.osreldate', 'int', (_m, p) => int(p.osrel || OSRELDATE));
    this.add('kern.hostname', 'string', () => str(os.hostname()));
    this.add('kern.domainname', 'string', () => str(''));
    this.add('kern.maxproc', 'int', () => int(10000));
    this.add('kern.maxfiles', 'int', () => int(100000));
    this.add('kern.argmax', 'int', () => int(262144));
    this.add('kern.ngroups', 'int', () => int(16));
    this.add('kern.securelevel', 'int', () => int(-1));
    this.add('kern.hostid', 'int', () => int(0));
    this.add('kern.clockrate', 'struct', clockinfo);
    this.add('kern.boottime', 'struct', (m) => { const b = Buffer.alloc(16); b.writeBigInt64LE(m.bootNs / 1_000_000_000n, 0); b.writeBigInt64LE((m.bootNs % 1_000_000_000n) / 1000n, 8); return b; });
    this.add('kern.usrstack', 'ulong', () => long(BigInt(USRSTACK)));
    this.add('kern.tls_extra', 'int', () => int(6144));
    this.add('kern.maxssiz', 'long', () => long(512n << 20n));
    this.add('kern.maxthrssiz', 'long', () => long(128n << 30n));
    this.add('kern.umtx_timeout_max', 'int', () => int(2000000));
    this.add('kern.stackgap_random', 'int', () => int(1024));
    this.add('kern.random', 'opaque', () => randomBytes(16));
    this.add('kern.arandom', 'opaque', () => randomBytes(256));
    this.add('kern.iov_max', 'int', () => int(1024));
    this.add('kern.proc.pathname', 'string', (_m, p) => str(p.exePath));
    // libkvm sizes its buffer for kern.proc.args (ps's COMMAND column) from this.
    this.add('kern.ps_arg_cache_limit', 'int', () => int(4096));
    // devname(3): a dev_t in, its name under /dev out (ENOENT for none, EINVAL for NODEV).
    this.add('kern.devname', 'opaque', () => Buffer.alloc(0), (input) => {
      if (input.length !== 4) return 22;
      const dev = input.readUInt32LE(0);
      if (dev === 0xffffffff) return 22;
      const name = deviceName(dev);
      return name === undefined ? 2 : str(name);
    });
    this.add('vm.vkernel_enable', 'int', (m) => int(vkernelCapable(m.engine.caps) ? 1 : 0));
    this.add('vm.overcommit', 'int', () => int(0));
    this.add('hw.machine', 'string', () => str('x86_64'));
    this.add('hw.machine_arch', 'string', () => str('x86_64'));
    this.add('hw.model', 'string', () => str(os.cpus()[0]?.model ?? 'x86-64 (emulated)'));
    this.add('hw.ncpu', 'int', () => int(hostCpus()));
    this.add('hw.byteorder', 'int', () => int(1234));
    this.add('hw.physmem', 'ulong', () => long(mem));
    this.add('hw.usermem', 'ulong', () => long(mem));
    this.add('hw.pagesize', 'int', () => int(4096));
    this.add('hw.vmm.enable', 'int', () => int(0));
    this.add('hw.tsc_present', 'int', () => int(1));
    this.add('hw.tsc_invariant', 'int', () => int(1));
    this.add('hw.tsc_mpsync', 'int', () => int(0));
    this.add('hw.tsc_frequency', 'long', () => long(1_000_000_000n));
    this.add('hw.instruction_sse', 'int', () => int(1));
    this.add('hw.floatingpoint', 'int', () => int(1));
    this.add('user.cs_path', 'string', () => str('/usr/bin:/bin:/usr/sbin:/sbin'));
    this.add('user.posix2_version', 'int', () => int(199212));
  }

  private oidFor(name: string): number[] {
    const parts = name.split('.');
    const oid: number[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      let n = FIXED[prefix] ?? this.auto.get(prefix);
      if (n === undefined) {
        n = this.nextAuto++;
        this.auto.set(prefix, n);
      }
      oid.push(n);
    }
    return oid;
  }

  add(name: string, kind: SysctlNode['kind'], read: SysctlNode['read'], query?: SysctlNode['query']): void {
    const node: SysctlNode = { name, oid: this.oidFor(name), kind, read, query };
    this.byName.set(name, node);
    this.byOid.set(node.oid.join('.'), node);
  }

  lookupName(name: string): SysctlNode | undefined {
    return this.byName.get(name);
  }
  lookupOid(oid: number[]): SysctlNode | undefined {
    // kern.proc.pathname takes a pid argument after its OID: {1, 14, 12, pid}.
    return this.byOid.get(oid.join('.')) ?? (oid.length === 4 && oid[0] === 1 && oid[1] === 14 ? this.byOid.get(oid.slice(0, 3).join('.')) : undefined);
  }
  /** The OID of a name's parent node, for names that are interior nodes. */
  nodeOid(name: string): number[] | undefined {
    const fixed = FIXED[name] ?? this.auto.get(name);
    if (fixed === undefined) return undefined;
    return this.oidFor(name);
  }
  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
