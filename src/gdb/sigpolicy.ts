// Which signals reach gdb. A virtual kernel lives on host signals: cothreads
// and its timer thread are woken with SIGINT and SIGALRM, IPIs are SIGUSR1,
// CPU stops SIGXCPU, its clock SIGURG, kqueue/console I/O SIGIO, window size
// SIGWINCH, SIGINFO a status line (sys/platform/vkernel64: exception.c,
// cothread.c, systimer.c, console.c, mp.c). Stopping gdb on each would make
// it unusable, so for a process that is a virtual kernel they are delivered
// silently; so are its page faults in MAP_VPAGETABLE memory (its own pmap
// faults, served by its handler). Real faults (SIGSEGV elsewhere, SIGBUS,
// SIGILL, SIGFPE, SIGTRAP) and the user's signals (SIGTERM, SIGQUIT, ...) stop.
import { MapKind, type AddressSpace } from '../cpu/engine.js';
import { SIG, signalName } from '../vm/abi/signals.js';
import type { TrapInfo } from '../vm/machine.js';
import type { Process } from '../vm/process.js';

/** The vkernel's own signals, by default. */
export const VKERNEL_SIGNALS: readonly number[] = [
  SIG.SIGINT, SIG.SIGALRM, SIG.SIGUSR1, SIG.SIGXCPU, SIG.SIGURG, SIG.SIGIO, SIG.SIGWINCH, SIG.SIGINFO,
];

const BY_NAME = new Map<string, number>(Object.entries(SIG).map(([k, v]) => [k, v]));

/** "SIGINT", "INT", "int" or "2" -> 2; 0 when no such signal. */
export function parseSignal(s: string): number {
  if (/^\d{1,3}$/.test(s)) {
    const n = Number(s);
    return n >= 1 && n <= 128 ? n : 0;
  }
  const up = s.toUpperCase();
  return BY_NAME.get(up.startsWith('SIG') ? up : 'SIG' + up) ?? 0;
}

export class SignalPolicy {
  /** Off: every signal stops gdb unless gdb itself passes it (QPassSignals). */
  enabled = true;
  readonly pass = new Set<number>(VKERNEL_SIGNALS);
  /** MAP_VPAGETABLE faults of a vkernel go to it silently. */
  passPageFaults = true;
  private readonly known = new WeakSet<AddressSpace>();
  /** How many of each signal went by under the policy (`monitor signals` shows them). */
  readonly passed = new Map<number, number>();

  /** A process is a virtual kernel once it maps MAP_VPAGETABLE memory or creates a vmspace. */
  isVkernel(p: Process): boolean {
    if (p.vkernel || this.known.has(p.space)) return true;
    if (!p.space.regions().some((r) => r.kind === MapKind.VPageTable)) return false;
    this.known.add(p.space);
    return true;
  }

  /** Whether sig (DragonFly number) goes to p without stopping gdb. */
  passes(p: Process, sig: number, trap?: TrapInfo): boolean {
    const yes = this.decide(p, sig, trap);
    if (yes) this.passed.set(sig, (this.passed.get(sig) ?? 0) + 1);
    return yes;
  }

  private decide(p: Process, sig: number, trap?: TrapInfo): boolean {
    if (!this.enabled) return false;
    if (trap) {
      if (!this.passPageFaults || (sig !== SIG.SIGSEGV && sig !== SIG.SIGBUS) || !this.isVkernel(p)) return false;
      const a = Number(trap.addr);
      return p.space.regions().some((r) => r.kind === MapKind.VPageTable && a >= r.start && a < r.end);
    }
    return this.pass.has(sig) && this.isVkernel(p);
  }

  describe(procs: Process[]): string {
    const vk = procs.filter((p) => p.state === 'running' && this.isVkernel(p)).map((p) => p.pid);
    const names = [...this.pass].sort((a, b) => a - b).map(signalName).join(' ');
    return [
      `vkernel signal policy: ${this.enabled ? 'on' : 'off'}`,
      `  delivered without stopping gdb: ${names || '(none)'}`,
      `  page faults in MAP_VPAGETABLE memory: ${this.passPageFaults ? 'delivered without stopping' : 'stop'}`,
      `  applies to virtual kernels (MAP_VPAGETABLE or vmspace_create): ${vk.length ? 'pid ' + vk.join(', ') : 'none yet'}`,
      `  delivered so far: ${[...this.passed].sort((a, b) => a[0] - b[0]).map(([n, c]) => `${signalName(n)} ${c}`).join(', ') || 'none'}`,
      '  other signals stop, or follow gdb\'s `handle` settings',
      '',
    ].join('\n');
  }
}
