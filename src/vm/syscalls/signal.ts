// Signals: sigaction, masks, sigsuspend, sigreturn, kill (§4).
import { E } from '../abi/errno.js';
import { SIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, UNBLOCKABLE, sigbit } from '../abi/signals.js';
import { Sigaction, StackT } from '../abi/structs.js';

const SIGACTION_FIELDS = Sigaction.off.mask + 16;

import { popSigframe, readSigset, SIGRETURN_BAD_CS, writeSigset } from '../sigframe.js';
import type { Sys, SyscallResult, Handler } from './types.js';

function sigaction(s: Sys): SyscallResult {
  const sig = s.int(0), act = s.ptr(1), oact = s.ptr(2);
  if (sig < 1 || sig > 128) return -E.EINVAL;
  const cur = s.p.sigactions[sig];
  let next;
  if (act) {
    if (sig === SIG.SIGKILL || sig === SIG.SIGSTOP) return -E.EINVAL;
    // Its 28 bytes of fields, not the padding sizeof adds: a structure at the end of a page reads.
    const b = s.p.space.read(act, SIGACTION_FIELDS);
    if (!b) return -E.EFAULT;
    const a = Sigaction.read(b);
    next = { handler: a.handler, flags: a.flags, mask: a.mask & ~UNBLOCKABLE };
  }
  if (oact && !s.p.space.write(oact, Sigaction.encode(cur))) return -E.EFAULT;
  if (next) {
    s.p.sigactions[sig] = next;
    if (next.handler === 1n) {
      s.p.pending &= ~sigbit(sig);
      for (const t of s.p.threads.values()) t.pending &= ~sigbit(sig);
    }
  }
  return 0;
}

function sigprocmask(s: Sys): SyscallResult {
  const how = s.int(0), set = s.ptr(1), oset = s.ptr(2);
  const old = s.t.sigmask;
  if (set) {
    const b = s.p.space.read(set, 16);
    if (!b) return -E.EFAULT;
    const m = readSigset(b, 0);
    if (how === SIG_BLOCK) s.t.sigmask |= m;
    else if (how === SIG_UNBLOCK) s.t.sigmask &= ~m;
    else if (how === SIG_SETMASK) s.t.sigmask = m;
    else return -E.EINVAL;
    s.t.sigmask &= ~UNBLOCKABLE;
  }
  if (oset) {
    const o = Buffer.alloc(16);
    writeSigset(o, 0, old);
    if (!s.p.space.write(oset, o)) return -E.EFAULT;
  }
  return 0;
}

function sigsuspend(s: Sys): SyscallResult | Promise<SyscallResult> {
  const b = s.p.space.read(s.ptr(0), 16);
  if (!b) return -E.EFAULT;
  s.t.suspendMask = s.t.sigmask;
  s.t.sigmask = readSigset(b, 0) & ~UNBLOCKABLE;
  if ((s.t.pending | s.p.pending) & ~s.t.sigmask) return -E.EINTR;
  return s.m.block(s.t, 'sigsuspend', true, () => undefined);
}

function kill(s: Sys): SyscallResult {
  const pid = s.int(0), sig = s.int(1);
  if (sig < 0 || sig > 128) return -E.EINVAL;
  const targets = pid > 0 ? [s.m.procs.get(pid)].filter((x) => x !== undefined)
    : [...s.m.procs.values()].filter((p) => p.state === 'running' &&
      (pid === -1 ? p.pid !== 1 : p.pgid === (pid === 0 ? s.p.pgid : -pid)));
  const live = targets.filter((p) => p!.state === 'running');
  if (live.length === 0) return -E.ESRCH;
  for (const p of live) s.m.postSignal(p!, sig, undefined, s.p.pid);
  return 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const signalHandlers = {
  sigaction,
  sigprocmask,
  sigsuspend,
  sigpending: (s) => { const o = Buffer.alloc(16); writeSigset(o, 0, (s.t.pending | s.p.pending) & s.t.sigmask); return s.p.space.write(s.ptr(0), o) ? 0 : -E.EFAULT; },
  sigreturn: (s) => {
    const e = popSigframe(s.t, s.ptr(0));
    // A kernel code selector in the frame: DragonFly posts SIGBUS (T_PROTFLT) and fails with EINVAL.
    if (e === SIGRETURN_BAD_CS) {
      s.m.postSignal(s.p, SIG.SIGBUS, s.t, 0);
      return -E.EINVAL;
    }
    return e ? -e : 'justreturn';
  },
  sigaltstack: (s) => {
    const ss = s.ptr(0), oss = s.ptr(1);
    if (oss) {
      const o = StackT.encode({ sp: BigInt(s.t.altstack.sp), size: BigInt(s.t.altstack.size), flags: s.t.altstack.flags | (s.t.onAltStack ? 1 : 0) });
      if (!s.p.space.write(oss, o)) return -E.EFAULT;
    }
    if (ss) {
      const b = s.p.space.read(ss, StackT.size);
      if (!b) return -E.EFAULT;
      if (s.t.onAltStack) return -E.EPERM;
      const st = StackT.read(b);
      if (st.flags & ~4) return -E.EINVAL;
      const size = Number(st.size);
      if (!(st.flags & 4) && size < 8192) return -E.ENOMEM;
      s.t.altstack = { sp: Number(st.sp), size, flags: st.flags };
    }
    return 0;
  },
  kill,
} satisfies Record<string, Handler>;
