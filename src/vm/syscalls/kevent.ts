// kqueue(2) and kevent(2): reading the changelist, writing the eventlist and
// waiting for events. What a change does to the knotes and when one is
// reported is knotes.ts; the queue file is files/kqueue.ts.
import { E } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import { OpenFile } from '../files/file.js';
import { EV_ERROR, EV_RECEIPT, KQueue } from '../files/kqueue.js';
import { applyChange, collect, ready, reportable, type KeventRec } from './knotes.js';
import type { Handler, Sys, SyscallResult } from './types.js';

/** struct kevent: ident@0 (u64), filter@8 (i16), flags@10 (u16), fflags@12 (u32), data@16 (i64), udata@24. */
const KEVENT_SIZE = 32;

function decodeKevent(b: Buffer, o: number): KeventRec {
  return {
    ident: b.readBigUInt64LE(o), filter: b.readInt16LE(o + 8), flags: b.readUInt16LE(o + 10),
    fflags: b.readUInt32LE(o + 12), data: b.readBigInt64LE(o + 16), udata: b.readBigUInt64LE(o + 24),
  };
}

function encodeKevents(recs: KeventRec[]): Buffer {
  const b = Buffer.alloc(recs.length * KEVENT_SIZE);
  recs.forEach((r, i) => {
    const o = i * KEVENT_SIZE;
    b.writeBigUInt64LE(r.ident, o);
    b.writeInt16LE(r.filter, o + 8);
    b.writeUInt16LE(r.flags, o + 10);
    b.writeUInt32LE(r.fflags, o + 12);
    b.writeBigInt64LE(r.data, o + 16);
    b.writeBigUInt64LE(r.udata, o + 24);
  });
  return b;
}

/** The changelist of n entries at addr, or -EFAULT. */
function readChanges(s: Sys, addr: number, n: number): KeventRec[] | number {
  if (n === 0) return [];
  const b = s.p.space.read(addr, n * KEVENT_SIZE);
  if (!b) return -E.EFAULT;
  return Array.from({ length: n }, (_, i) => decodeKevent(b, i * KEVENT_SIZE));
}

/** A timespec timeout: undefined for none (wait for ever), or -errno. */
function readTimeout(s: Sys, tsp: number): bigint | undefined | number {
  if (!tsp) return undefined;
  const t = s.p.space.read(tsp, 16);
  if (!t) return -E.EFAULT;
  const sec = t.readBigInt64LE(0), nsec = t.readBigInt64LE(8);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -E.EINVAL;
  return sec * 1_000_000_000n + nsec;
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
  const timeoutNs = readTimeout(s, s.ptr(5));
  if (typeof timeoutNs === 'number') return timeoutNs;
  const deliver = (): number => {
    const out = receipts.splice(0, nev);
    out.push(...collect(s.p, kq, nev - out.length));
    if (out.length && !s.p.space.write(events, encodeKevents(out))) return -E.EFAULT;
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
