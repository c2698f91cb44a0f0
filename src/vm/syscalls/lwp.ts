// Threads: lwp_create, umtx sleep/wakeup, TLS, extexit (§5).
import { Reg } from '../../cpu/engine.js';
import { E } from '../abi/errno.js';
import { LwpParams, TlsInfo } from '../abi/structs.js';
import type { GuestThread } from '../thread.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const umtxKey = (s: Sys, addr: number): string => `${s.p.pid}:${addr}`;

function lwpCreate(s: Sys): SyscallResult {
  const pb = s.p.space.read(s.ptr(0), LwpParams.size);
  if (!pb) return -E.EFAULT;
  const lp = LwpParams.read(pb);
  const func = lp.func, arg = lp.arg, stack = Number(lp.stack), tid1 = Number(lp.tid1), tid2 = Number(lp.tid2);
  if (s.p.threads.size >= 4096) return -E.EAGAIN;
  const zero = Buffer.alloc(8);
  if (!s.p.space.write(stack - 8, zero)) return -E.EFAULT;
  const nt: GuestThread = s.p.newThread();
  nt.cpu = s.t.cpu.clone(nt.regs);
  nt.set(Reg.RIP, func);
  nt.set(Reg.RDI, arg);
  nt.setNum(Reg.RSP, stack - 8);
  nt.sigmask = s.t.sigmask;
  nt.tls = [{ ...s.t.tls[0] }, { ...s.t.tls[1] }];
  const tb = Buffer.alloc(4);
  tb.writeInt32LE(nt.tid, 0);
  if ((tid1 && !s.p.space.write(tid1, tb)) || (tid2 && !s.p.space.write(tid2, tb))) {
    s.p.threads.delete(nt.tid);
    return -E.EFAULT;
  }
  s.m.makeRunnable(nt);
  return 0;
}

function umtxSleep(s: Sys): SyscallResult | Promise<SyscallResult> {
  const addr = s.ptr(0), value = s.int(1), timeout = s.int(2);
  if (addr & 3) return -E.EFAULT;
  if (timeout < 0) return -E.EINVAL;
  const b = s.p.space.read(addr, 4);
  if (!b) return -E.EFAULT;
  if (b.readInt32LE(0) !== value) return -E.EBUSY;
  const key = umtxKey(s, addr);
  const us = timeout === 0 || timeout > 2_000_000 ? 2_000_000 : timeout;
  return s.m.block(s.t, 'umtx_sleep', true, (done) => {
    const queues = s.k.umtx;
    let q = queues.get(key);
    if (!q) queues.set(key, (q = new Set()));
    q.add(done);
    const cancelTimer = s.m.timer(s.m.clock.monotonicNs() + BigInt(us) * 1000n, () => done(-E.EAGAIN));
    return () => {
      cancelTimer();
      q!.delete(done);
      if (q!.size === 0) queues.delete(key);
    };
  });
}

function umtxWakeup(s: Sys): SyscallResult {
  const addr = s.ptr(0), count = s.int(1);
  const q = s.k.umtx.get(umtxKey(s, addr));
  if (!q) return 0;
  for (const w of [...q]) {
    w(0);
    if (count === 1) break;
  }
  return 0;
}

function lwpKill(s: Sys): SyscallResult {
  const pid = s.int(0), tid = s.int(1), sig = s.int(2);
  if (tid === -1) return -E.EINVAL;
  if (sig < 0 || sig > 128) return -E.EINVAL;
  const p = pid === -1 || pid === s.p.pid ? s.p : s.m.procs.get(pid);
  if (!p || p.state !== 'running') return -E.ESRCH;
  const t = p.threads.get(tid);
  if (!t || t.state === 'dead') return -E.ESRCH;
  if (sig) s.m.postSignal(p, sig, t, s.p.pid);
  return 0;
}

function setTls(s: Sys): SyscallResult {
  const which = s.int(0), info = s.ptr(1), size = Math.min(TlsInfo.size, s.ptr(2));
  if (which !== 0 && which !== 1) return -E.ERANGE;
  // A short structure is read as far as it goes, the rest zero.
  const b = Buffer.alloc(TlsInfo.size);
  if (size > 0) {
    const r = s.p.space.read(info, size);
    if (!r) return -E.EFAULT;
    r.copy(b);
  }
  const { base, size: tsize } = TlsInfo.read(b);
  if (tsize < -1n) return -E.EINVAL;
  s.t.tls[which] = { base, size: tsize };
  s.t.set(which === 0 ? Reg.FS_BASE : Reg.GS_BASE, base);
  return 0;
}

function getTls(s: Sys): SyscallResult {
  const which = s.int(0), info = s.ptr(1), size = Math.min(TlsInfo.size, s.ptr(2));
  if (which !== 0 && which !== 1) return -E.ERANGE;
  const b = TlsInfo.encode(s.t.tls[which]);
  if (size > 0 && !s.p.space.write(info, b, 0, size)) return -E.EFAULT;
  return 0;
}

function extexit(s: Sys): SyscallResult {
  const how = s.int(0), status = s.int(1), addr = s.ptr(2);
  if (how & 1) {
    if (!s.p.space.check(addr, 4, 1)) return -E.EFAULT;
  }
  if (how & 0x10000) {
    if (how & 1) s.t.exitStore = { addr, value: status };
    if (s.p.liveThreads().length <= 1) s.m.exitProcess(s.p, (status & 0xff) << 8);
    else s.m.endThread(s.t);
    return 'justreturn';
  }
  if (how & 1) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(status, 0);
    s.p.space.write(addr, b);
  }
  s.m.exitProcess(s.p, (status & 0xff) << 8);
  return 'justreturn';
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const lwpHandlers = {
  lwp_create: lwpCreate,
  lwp_create2: lwpCreate,
  lwp_gettid: (s) => s.t.tid,
  lwp_kill: lwpKill,
  umtx_sleep: umtxSleep,
  umtx_wakeup: umtxWakeup,
  set_tls_area: setTls,
  get_tls_area: getTls,
  extexit,
  sched_yield: (s) => { s.m.yieldTurn(s.t); return 0; },
  yield: (s) => { s.m.yieldTurn(s.t); return 0; },
  usched_set: (s) => (s.int(1) >= 0 && s.int(1) <= 6 ? 0 : -E.EINVAL),
  lwp_setname: (s) => {
    const t = s.p.threads.get(s.int(0) === -1 ? s.t.tid : s.int(0));
    if (!t) return -E.ESRCH;
    const n = s.p.space.readCString(s.ptr(1), 1024);
    if (n === null) return -E.EFAULT;
    if (n === false) return -E.ENAMETOOLONG;
    t.name = n.toString();
    return 0;
  },
} satisfies Record<string, Handler>;
