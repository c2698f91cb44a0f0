// A signal mask installed for the length of one waiting call (pselect, ppoll):
// nothing can slip in between setting the mask and starting to wait. When a
// signal interrupts the wait its handler still runs under the call's mask and
// the caller's own comes back with the handler's sigreturn, as after sigsuspend.
import { E } from '../abi/errno.js';
import { UNBLOCKABLE } from '../abi/signals.js';
import { readSigset } from '../sigframe.js';
import type { Sys, SyscallResult } from './types.js';


/** Run `call` with the mask at argument maskArg (none: the thread's own). */
export function withSigmask(s: Sys, maskArg: number, call: () => SyscallResult | Promise<SyscallResult>): SyscallResult | Promise<SyscallResult> {
  const maskp = s.ptr(maskArg);
  if (!maskp) return call();
  const b = s.p.space.read(maskp, 16);
  if (!b) return -E.EFAULT;
  const t = s.t, saved = t.sigmask;
  t.sigmask = readSigset(b, 0) & ~UNBLOCKABLE;
  const settle = (r: SyscallResult): SyscallResult => {
    if (r === -E.EINTR) t.suspendMask = saved;
    else t.sigmask = saved;
    return r;
  };
  const r = call();
  if (!(r instanceof Promise)) return settle(r);
  // A signal the new mask lets through was already pending: the wait ends at once.
  if ((t.pending | t.proc.pending) & ~t.sigmask) t.wait?.cancel(-E.EINTR);
  return r.then(settle);
}
