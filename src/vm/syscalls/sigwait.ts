// sigtimedwait / sigwaitinfo: take a pending signal of a set without running
// its handler. While waiting the thread's mask is its own minus the set, so a
// signal of the set (or any other unblocked one) wakes it.
import { E } from '../abi/errno.js';
import { UNBLOCKABLE, sigbit } from '../abi/signals.js';
import { Siginfo, Timespec } from '../abi/structs.js';
import { timespecNs } from './util.js';
import { readSigset } from '../sigframe.js';
import type { GuestThread } from '../thread.js';
import type { Sys, SyscallResult, Handler } from './types.js';

/** The lowest pending signal of `set` for t, taken off its pending sets; 0 if none. */
function take(t: GuestThread, set: bigint): number {
  const ready = (t.pending | t.proc.pending) & set;
  if (!ready) return 0;
  for (let sig = 1; sig <= 128; sig++) {
    const bit = sigbit(sig);
    if (!(ready & bit)) continue;
    if (t.pending & bit) t.pending &= ~bit;
    else t.proc.pending &= ~bit;
    return sig;
  }
  return 0;
}

function encodeSiginfo(t: GuestThread, sig: number): Buffer {
  const info = t.siginfo.get(sig);
  t.siginfo.delete(sig);
  return Siginfo.encode({ signo: sig, code: info?.code ?? 0, pid: info?.pid ?? 0, addr: BigInt.asUintN(64, info?.addr ?? 0n) });
}

/** The signal taken, written to infop; a failed copy-out puts the signal back (as DragonFly reposts it). */
function deliverInfo(s: Sys, sig: number, infop: number): SyscallResult {
  if (!infop) { s.t.siginfo.delete(sig); return sig; }
  if (s.p.space.write(infop, encodeSiginfo(s.t, sig))) return sig;
  s.p.pending |= sigbit(sig);
  return -E.EFAULT;
}

/** timeoutNs: undefined waits forever; 'invalid' fails with EINVAL once nothing is pending. */
function sigwait(s: Sys, setp: number, infop: number, timeoutNs: bigint | undefined | 'invalid'): SyscallResult | Promise<SyscallResult> {
  const sb = s.p.space.read(setp, 16);
  if (!sb) return -E.EFAULT;
  const set = readSigset(sb, 0) & ~UNBLOCKABLE;
  const now = take(s.t, set);
  if (now) return deliverInfo(s, now, infop);
  if (timeoutNs === 'invalid') return -E.EINVAL;
  if (timeoutNs === 0n) return -E.EAGAIN;
  const t = s.t, saved = t.sigmask;
  // Signals outside the set that the caller left unblocked interrupt the wait as usual.
  if ((t.pending | t.proc.pending) & ~saved & ~set) return -E.EINTR;
  t.sigmask = saved & ~set;
  return s.m.block(t, 'sigwait', true, (done) => {
    if (timeoutNs === undefined) return undefined;
    return s.m.timer(s.m.clock.monotonicNs() + timeoutNs, () => done(-E.EAGAIN));
  }).then((r) => {
    t.sigmask = saved;
    const sig = take(t, set);
    if (sig) return deliverInfo(s, sig, infop);
    return r;
  });
}

function sigtimedwait(s: Sys): SyscallResult | Promise<SyscallResult> {
  const tsp = s.ptr(2);
  let timeout: bigint | undefined | 'invalid';
  if (tsp) {
    const b = s.p.space.read(tsp, Timespec.size);
    if (!b) return -E.EFAULT;
    const ns = timespecNs(Timespec.read(b));
    timeout = typeof ns === 'number' ? 'invalid' : ns;
  }
  return sigwait(s, s.ptr(0), s.ptr(1), timeout);
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const sigwaitHandlers = {
  sigtimedwait,
  sigwaitinfo: (s) => sigwait(s, s.ptr(0), s.ptr(1), undefined),
} satisfies Record<string, Handler>;
