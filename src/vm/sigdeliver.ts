// Signals: posting them to a process or a thread (kill, lwp_kill, the
// host's), job-control stops and continues, delivery before a thread runs
// (a frame on its stack, or the default action), and synchronous traps.
import { Reg } from '../cpu/engine.js';
import { E } from './abi/errno.js';
import {
  defaultAction, SA_NOCLDSTOP, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_SIGINFO, SIG, sigbit, signalName, STOP_SIGNALS, T,
} from './abi/signals.js';
import type { Machine } from './machine.js';
import { childEvent, killProcess } from './procexit.js';
import type { Process } from './process.js';
import { pushSigframe } from './sigframe.js';
import type { GuestThread } from './thread.js';

/** A synchronous trap: deliver now; kill if blocked, ignored or undeliverable. */
export function trapSignal(m: Machine, t: GuestThread, sig: number, code: number, addr: bigint, trapno: number, err: number): void {
  if (m.debugger?.signal(t, sig, { code, addr, trapno, err })) return;
  const act = t.proc.sigactions[sig];
  const blocked = (t.sigmask & sigbit(sig)) !== 0n;
  if (act.handler === 0n || act.handler === 1n || blocked) {
    describeFault(m, t, sig, addr, trapno);
    killProcess(m, t.proc, sig);
    return;
  }
  t.siginfo.set(sig, { code, addr, pid: 0, trapno, err });
  deliver(m, t, sig);
}

function describeFault(m: Machine, t: GuestThread, sig: number, addr: bigint, trapno: number): void {
  const rip = t.get(Reg.RIP).toString(16);
  const where = trapno === T.PAGEFLT ? ` accessing 0x${addr.toString(16)}` : '';
  m.log(`vkemu: ${t.proc.exePath} (pid ${t.proc.pid}, lwp ${t.tid}): ${signalName(sig)} at rip 0x${rip}${where} (trap ${trapno})`);
}

/** Post a signal to a process (kill) or one thread (lwp_kill). */
export function postSignal(m: Machine, p: Process, sig: number, thread?: GuestThread, senderPid = 0): void {
  if (sig === 0 || p.state !== 'running') return;
  m.kernel.knotes.signalEvent(p, sig);
  if (sig === SIG.SIGKILL) {
    killProcess(m, p, sig);
    return;
  }
  // Job control: SIGCONT continues a stopped process (whatever its handler)
  // and cancels pending stops; a stop signal cancels a pending SIGCONT.
  if (sig === SIG.SIGCONT) {
    p.pending &= ~STOP_SIGNALS;
    for (const x of p.threads.values()) x.pending &= ~STOP_SIGNALS;
    if (p.stopped) continueProcess(m, p);
  } else if (sigbit(sig) & STOP_SIGNALS) {
    p.pending &= ~sigbit(SIG.SIGCONT);
  }
  const act = p.sigactions[sig];
  // Ignored signals are discarded; SIGCONT's default (continue) is done above.
  if (act.handler === 1n || (act.handler === 0n && (defaultAction(sig) === 'ignore' || sig === SIG.SIGCONT))) return;
  const target = thread ?? [...p.threads.values()].find((x) => x.state !== 'dead' && !(x.sigmask & sigbit(sig)));
  // A stop with its default action stops the process now, without
  // interrupting its system calls (they go on after SIGCONT).
  if (act.handler === 0n && sigbit(sig) & STOP_SIGNALS && target && !m.debugger) {
    stopProcess(m, p, sig);
    return;
  }
  if (thread) thread.pending |= sigbit(sig);
  else p.pending |= sigbit(sig);
  // Kept by the thread that will take it; a signal every thread blocks waits with the first (sigwait takes it there).
  const keeper = target ?? thread ?? p.liveThreads()[0];
  if (senderPid) keeper?.siginfo.set(sig, { code: 0, addr: 0n, pid: senderPid, trapno: 0, err: 0 });
  if (target && !(target.sigmask & sigbit(sig))) interrupt(target);
}

/** Default action of a stop signal: no thread of p runs until SIGCONT; the parent hears of it. */
export function stopProcess(m: Machine, p: Process, sig: number): void {
  if (p.stopped || p.state !== 'running') return;
  p.stopped = true;
  p.jobReport = { kind: 'stopped', sig };
  const parent = p.parent;
  if (parent && parent.state === 'running') {
    if (!(parent.sigactions[SIG.SIGCHLD].flags & SA_NOCLDSTOP)) postSignal(m, parent, SIG.SIGCHLD);
    childEvent(m, parent);
  }
}

export function continueProcess(m: Machine, p: Process): void {
  if (!p.stopped) return;
  p.stopped = false;
  p.jobReport = { kind: 'continued' };
  for (const t of p.threads.values()) if (t.state === 'runnable') m.makeRunnable(t);
  if (p.parent && p.parent.state === 'running') childEvent(m, p.parent);
}

/** Wake a blocked thread so that it can take a signal. */
export function interrupt(t: GuestThread): void {
  if (t.state === 'blocked' && t.wait?.interruptible) {
    t.wait.cancel(-E.EINTR);
  }
}

/** Deliver at most one deliverable pending signal to t (before it runs). */
export function deliverSignals(m: Machine, t: GuestThread): void {
  const p = t.proc;
  // Checked before every run: nothing pending is the rule, and costs no BigInt arithmetic.
  if (t.pending === 0n && p.pending === 0n) return;
  const ready = (t.pending | p.pending) & ~t.sigmask;
  if (ready === 0n) return;
  for (let sig = 1; sig <= 128; sig++) {
    const bit = sigbit(sig);
    if (!(ready & bit)) continue;
    if (t.pending & bit) t.pending &= ~bit;
    else p.pending &= ~bit;
    const act = p.sigactions[sig];
    if (act.handler === 1n) continue;
    const d = defaultAction(sig);
    if (act.handler === 0n && (d === 'ignore' || d === 'cont')) continue;
    if (m.debugger?.signal(t, sig)) return;
    if (act.handler === 0n && d === 'stop') {
      stopProcess(m, p, sig);
      return;
    }
    if (act.handler === 0n) {
      killProcess(m, p, sig);
      return;
    }
    deliver(m, t, sig);
    return;
  }
}

function deliver(m: Machine, t: GuestThread, sig: number): void {
  const p = t.proc;
  const act = p.sigactions[sig];
  const info = t.siginfo.get(sig) ?? { code: 0, addr: 0n, pid: 0, trapno: 0, err: 0 };
  t.siginfo.delete(sig);
  const restoreMask = t.suspendMask ?? t.sigmask;
  t.suspendMask = undefined;
  const useAlt = (act.flags & SA_ONSTACK) !== 0 && !(t.altstack.flags & 4) && !t.onAltStack && t.altstack.size > 0;
  const ok = pushSigframe(t, {
    sig, handler: act.handler, siginfo: (act.flags & SA_SIGINFO) !== 0, code: info.code, addr: info.addr,
    pid: info.pid, trapno: info.trapno, err: info.err, restoreMask, useAltStack: useAlt,
  });
  if (!ok) {
    m.log(`vkemu: ${p.exePath} (pid ${p.pid}): cannot push a frame for ${signalName(sig)} on the stack at 0x${t.get(Reg.RSP).toString(16)}`);
    killProcess(m, p, SIG.SIGILL);
    return;
  }
  m.tracer?.signal(t, sig, info.code, info.addr);
  t.sigmask = restoreMask | act.mask | ((act.flags & SA_NODEFER) ? 0n : sigbit(sig));
  if (act.flags & SA_RESETHAND) p.sigactions[sig] = { handler: 0n, flags: 0, mask: 0n };
}

/** Whether a signal would run a handler on t now (it must leave its vmspace first). */
export function signalWaiting(t: GuestThread): boolean {
  const ready = (t.pending | t.proc.pending) & ~t.sigmask;
  return ready !== 0n;
}
