// The system-call table: every DragonFly call vkemu serves, as data.
import { eventSyscalls } from './event.js';
import { fsSyscalls } from './fs.js';
import { fifoSyscalls } from './fifo.js';
import { varsymSyscalls } from './varsym.js';
import { lwpSyscalls } from './lwp.js';
import { memSyscalls } from './mem.js';
import { procSyscalls } from './proc.js';
import { forkExecSyscalls } from './forkexec.js';
import { signalSyscalls } from './signal.js';
import { socketSyscalls } from './socket.js';
import { statfsSyscalls } from './statfs.js';
import { vmspaceSyscalls } from './vmspace.js';
import { fileTimesSyscalls } from './filetimes.js';
import { sysctlSyscalls } from './sysctl.js';
import { clockSyscalls } from './clocks.js';
import { itimerSyscalls } from './itimer.js';
import { sigwaitSyscalls } from './sigwait.js';
import { fileattrSyscalls } from './fileattr.js';
import { hostidSyscalls } from './hostid.js';
import { affinitySyscalls } from './affinity.js';
import { schedSyscalls } from './sched.js';
import { credsSyscalls } from './creds.js';
import { refusedSyscalls } from './refused.js';
import { MASTER, SYS_MAXSYSCALL } from './master.js';
import type { SyscallDef } from './types.js';

export const SYS_MAX = SYS_MAXSYSCALL;

/** Another number for a served call (DragonFly keeps some NetBSD/OpenBSD numbers as aliases). */
function alias(num: number, name: string, of: SyscallDef[], target: number): SyscallDef {
  const d = of.find((x) => x.num === target);
  if (!d) throw new Error(`alias ${name}: no call ${target}`);
  return { ...d, num, name, note: `the same as ${d.name} (${target})` };
}

const SERVED: SyscallDef[] = [
  ...fsSyscalls, ...memSyscalls, ...procSyscalls, ...signalSyscalls, ...lwpSyscalls, ...clockSyscalls,
  ...sysctlSyscalls, ...eventSyscalls, ...forkExecSyscalls, ...socketSyscalls, ...statfsSyscalls, ...vmspaceSyscalls, ...fileTimesSyscalls,
  ...fifoSyscalls, ...varsymSyscalls, ...itimerSyscalls, ...sigwaitSyscalls, ...fileattrSyscalls, ...hostidSyscalls,
  ...affinitySyscalls, ...schedSyscalls, ...credsSyscalls,
];

export const ALL_SYSCALLS: SyscallDef[] = [
  ...SERVED, ...refusedSyscalls,
  alias(252, 'openbsd_poll', SERVED, 209), alias(275, 'netbsd_lchown', SERVED, 254), alias(277, 'netbsd_msync', SERVED, 65),
];

export const TABLE: (SyscallDef | undefined)[] = new Array(SYS_MAX);
for (const d of ALL_SYSCALLS) {
  if (TABLE[d.num]) throw new Error(`syscall ${d.num} defined twice (${TABLE[d.num]!.name}, ${d.name})`);
  TABLE[d.num] = d;
}

/** DragonFly 5.9's name of a number vkemu does not serve (syscalls.master), for the log. */
const MASTER_NAMES: Record<number, string> = Object.fromEntries(MASTER.map(([n, kind, name]) =>
  [n, kind === 'OBSOL' || kind === 'UNIMPL' ? `${kind.toLowerCase()} ${name}` : name]));

export function syscallName(num: number): string {
  return TABLE[num]?.name ?? MASTER_NAMES[num] ?? `#${num}`;
}
