// Restarting a blocked system call after a handler installed with SA_RESTART
// (vkernel-host-abi.md §7.1, §4.8). DragonFly backs rip up over the `syscall`
// instruction so that the call is issued again once the handler returns; calls
// that sleep with a timeout or wait for signals (nanosleep, select, poll,
// kevent, umtx_sleep, sigsuspend, connect) turn the restart into EINTR.
import { Reg } from '../cpu/engine.js';
import { SA_RESTART, SIG_IGN, defaultAction, sigbit } from './abi/signals.js';
import type { GuestThread } from './thread.js';

/** Calls DragonFly restarts: they sleep with PCATCH and hand ERESTART back unchanged. */
const RESTARTABLE = new Set([
  3 /* read */, 4 /* write */, 5 /* open (FIFOs) */, 7 /* wait4 */, 27 /* recvmsg */, 28 /* sendmsg */,
  29 /* recvfrom */, 30 /* accept */, 54 /* ioctl */, 92 /* fcntl F_SETLKW */, 120 /* readv */,
  121 /* writev */, 131 /* flock */, 133 /* sendto */, 173 /* extpread */, 174 /* extpwrite */,
  504 /* openat */, 541 /* accept4 */, 548 /* wait6 */,
]);

/** The system-call number of the call t is in (through the 0/198 indirection). */
function callNumber(t: GuestThread): number {
  const n = t.u32[2 * Reg.RAX];
  return n === 0 || n === 198 ? t.u32[2 * Reg.RDI] : n;
}

/** The signal the next delivery will take for t (lowest deliverable number), or 0. */
function nextSignal(t: GuestThread): number {
  const ready = (t.pending | t.proc.pending) & ~t.sigmask;
  if (ready === 0n) return 0;
  for (let sig = 1; sig <= 128; sig++) {
    if (!(ready & sigbit(sig))) continue;
    const act = t.proc.sigactions[sig];
    if (act.handler === SIG_IGN || (act.handler === 0n && defaultAction(sig) === 'ignore')) continue;
    return sig;
  }
  return 0;
}

/**
 * A blocked call of t ended with EINTR: if the signal about to be delivered has
 * SA_RESTART and the call is restartable, rewind rip to the `syscall` so that it
 * runs again after the handler (rax and the argument registers are untouched
 * while a call blocks). True when rewound.
 */
export function restartAfterSignal(t: GuestThread): boolean {
  if (!RESTARTABLE.has(callNumber(t))) return false;
  const sig = nextSignal(t);
  if (!sig) return false;
  const act = t.proc.sigactions[sig];
  if (act.handler <= SIG_IGN || !(act.flags & SA_RESTART)) return false;
  t.setNum(Reg.RIP, t.num(Reg.RIP) - 2);
  return true;
}
