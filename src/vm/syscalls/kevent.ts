// kqueue(2) and kevent(2): reading the changelist, writing the eventlist and
// waiting for events. What a change does to the knotes and when one is
// reported is knotes.ts; the queue file is files/kqueue.ts.
import { E } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import { Kevent } from '../abi/structs.js';
import { OpenFile } from '../files/file.js';
import { EV_ERROR, EV_RECEIPT, KQueue } from '../files/kqueue.js';
import { applyChange, collect, ready, reportable, type KeventRec } from './knotes.js';
import type { Handler, Sys, SyscallResult } from './types.js';
import { timespecArg } from './util.js';

/** The changelist of n entries at addr, or -EFAULT. */
function readChanges(s: Sys, addr: number, n: number): KeventRec[] | number {
  if (n === 0) return [];
  const b = s.p.space.read(addr, n * Kevent.size);
  if (!b) return -E.EFAULT;
  return Kevent.readArray(b, n);
}

/** Wait (interruptibly) until deliver() reports something or the timeout passes (then 0). */
function waitForEvents(s: Sys, kq: KQueue, deliver: () => number, timeoutNs: bigint | undefined): Promise<number> {
  return s.m.block(s.t, 'kevent', true, (done) => {
    const check = (): void => { const k = deliver(); if (k !== 0) done(k); };
    // Woken by the queue's own events and by its descriptors' readiness changes (host ones via the watcher thread).
    const stopWatch = kq.watch(check);
    const stopTimer = timeoutNs !== undefined ? s.m.timer(s.m.clock.monotonicNs() + timeoutNs, () => done(0)) : undefined;
    return () => { stopWatch(); stopTimer?.(); };
  });
}

function kevent(s: Sys): SyscallResult | Promise<SyscallResult> {
  const e = s.p.fds.get(s.int(0));
  if (!e) return -E.EBADF;
  const kq = e.file.ops;
  if (!(kq instanceof KQueue)) return -E.EBADF;
  const changes = s.ptr(1), nch = s.int(2), events = s.ptr(3), nev = s.int(4);
  if (nch < 0 || nev < 0) return -E.EINVAL;
  const list = readChanges(s, changes, nch);
  if (typeof list === 'number') return list;
  // Errors (and EV_RECEIPT) are reported in the eventlist, ahead of the events.
  const receipts: KeventRec[] = [];
  for (const c of list) {
    const err = applyChange(s, kq, c);
    // An error with no room in the event list fails the whole call (BSD semantics).
    if (err && receipts.length >= nev) return -err;
    if (err || c.flags & EV_RECEIPT) receipts.push({ ...c, flags: c.flags | EV_ERROR, data: BigInt(err) });
  }
  if (nch > 0) {
    kq.notify();
    s.k.async.poke(e.file);
  }
  const timeoutNs = timespecArg(s, 5);
  if (typeof timeoutNs === 'number') return timeoutNs;
  const deliver = (): number => {
    const out = receipts.splice(0, nev);
    out.push(...collect(s.p, kq, nev - out.length));
    if (out.length && !s.p.space.write(events, Kevent.encodeArray(out))) return -E.EFAULT;
    if (out.length) s.k.async.drained(e.file);
    return out.length;
  };
  const n = nev > 0 || receipts.length ? deliver() : 0;
  if (n !== 0 || nev === 0 || timeoutNs === 0n) return n;
  return waitForEvents(s, kq, deliver, timeoutNs);
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const keventHandlers = {
  kqueue: (s) => {
    const kq = new KQueue(s.k.knotes);
    const p = s.p;
    kq.hasReady = () => [...kq.knotes.values()].some((kn) => reportable(p, kn, ready(p, kn).ok));
    const f = new OpenFile(kq, O.RDWR);
    const fd = s.p.fds.alloc(f);
    if (fd < 0) f.unref();
    return fd;
  },
  kevent,
} satisfies Record<string, Handler>;
