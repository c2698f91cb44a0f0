// The system-call table: every DragonFly call vkemu serves, as data.
import { eventSyscalls } from './event.js';
import { fsSyscalls } from './fs.js';
import { fifoSyscalls } from './fifo.js';
import { varsymSyscalls } from './varsym.js';
import { lwpSyscalls } from './lwp.js';
import { memSyscalls } from './mem.js';
import { procSyscalls } from './proc.js';
import { procctlSyscalls } from './procctl.js';
import { signalSyscalls } from './signal.js';
import { socketSyscalls } from './socket.js';
import { statfsSyscalls } from './statfs.js';
import { vmspaceSyscalls } from './vmspace.js';
import { timesSyscalls } from './times.js';
import { sysctlSyscalls } from './sysctl.js';
import { timeSyscalls } from './time.js';
import type { SyscallDef } from './types.js';

export const SYS_MAX = 552;

export const ALL_SYSCALLS: SyscallDef[] = [
  ...fsSyscalls, ...memSyscalls, ...procSyscalls, ...signalSyscalls, ...lwpSyscalls, ...timeSyscalls,
  ...sysctlSyscalls, ...eventSyscalls, ...procctlSyscalls, ...socketSyscalls, ...statfsSyscalls, ...vmspaceSyscalls, ...timesSyscalls,
  ...fifoSyscalls, ...varsymSyscalls,
];

export const TABLE: (SyscallDef | undefined)[] = new Array(SYS_MAX);
for (const d of ALL_SYSCALLS) {
  if (TABLE[d.num]) throw new Error(`syscall ${d.num} defined twice (${TABLE[d.num]!.name}, ${d.name})`);
  TABLE[d.num] = d;
}

/** Names of DragonFly calls we do not serve, for the log and the coverage table. */
export const KNOWN_NAMES: Record<number, string> = {
  21: 'mount', 22: 'unmount', 26: 'ptrace',

  34: 'chflags', 35: 'fchflags', 56: 'revoke', 61: 'chroot',
  83: 'setitimer', 86: 'getitimer',
  164: 'uname',
  251: 'rfork', 345: 'sigtimedwait', 346: 'sigwaitinfo', 
  499: 'pselect', 503: 'getvfsstat', 506: 'fchmodat',
  507: 'fchownat', 531: 'linkat', 534: 'vmm_guest_ctl',
  535: 'vmm_guest_sync_addr', 543: 'procctl',
  544: 'lwp_setaffinity', 545: 'lwp_getaffinity', 547: 'getcpuclock', 549: 'clock_nanosleep',
};

export function syscallName(num: number): string {
  return TABLE[num]?.name ?? KNOWN_NAMES[num] ?? `#${num}`;
}
