// Knote state for kqueue(2): what one change of a changelist does to a queue's
// knotes, when a knote is reportable, and what reporting it does (EV_ONESHOT,
// EV_CLEAR, counts). kevent.ts reads the changelist and waits; the queue
// itself (and the registry of signal and process knotes) is files/kqueue.ts.
import { E } from '../abi/errno.js';
import type { Contents } from '../abi/layout.js';
import type { Kevent } from '../abi/structs.js';
import {
  EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ONESHOT, EVFILT_PROC, EVFILT_READ, EVFILT_SIGNAL,
  EVFILT_TIMER, EVFILT_USER, EVFILT_WRITE, NOTE_TRIGGER, type KQueue, type Knote,
} from '../files/kqueue.js';
import { PipeEnd } from '../files/pipe.js';
import { HostSocket } from '../files/socket.js';
import type { Process } from '../process.js';
import type { Sys } from './types.js';

/** One entry of a changelist or an eventlist. */
export type KeventRec = Contents<typeof Kevent>;

const FILTERS = [EVFILT_READ, EVFILT_WRITE, EVFILT_USER, EVFILT_TIMER, EVFILT_SIGNAL, EVFILT_PROC];

/** Readiness of a knote now: whether it fires, its data and EV_EOF. */
export function ready(p: Process, kn: Knote): { ok: boolean; data: bigint; eof: boolean } {
  if (!kn.enabled) return { ok: false, data: 0n, eof: false };
  if (kn.filter === EVFILT_USER) return { ok: kn.triggered, data: 0n, eof: false };
  if (kn.filter === EVFILT_TIMER || kn.filter === EVFILT_SIGNAL) return { ok: kn.count > 0, data: BigInt(kn.count), eof: false };
  if (kn.filter === EVFILT_PROC) return { ok: kn.triggered, data: kn.data, eof: true };
  const e = p.fds.get(Number(kn.ident));
  if (!e) return { ok: false, data: 0n, eof: false };
  const ops = e.file.ops;
  if (kn.filter === EVFILT_READ) {
    if (ops instanceof PipeEnd) return { ok: ops.readable(), data: BigInt(ops.pipe.size()), eof: ops.pipe.writers === 0 };
    if (ops instanceof HostSocket) return { ok: ops.ready('in'), data: 1n, eof: ops.hangup() };
    return { ok: ops.ready ? ops.ready('in') : true, data: 1n, eof: false };
  }
  if (kn.filter === EVFILT_WRITE) {
    if (ops instanceof PipeEnd) return { ok: ops.ready('out'), data: BigInt(Math.max(0, ops.space())), eof: ops.pipe.readers === 0 };
    if (ops instanceof HostSocket) return { ok: ops.ready('out'), data: 65536n, eof: ops.hangup() };
    return { ok: ops.ready ? ops.ready('out') : true, data: 65536n, eof: false };
  }
  return { ok: false, data: 0n, eof: false };
}

function isEdge(kn: Knote): boolean {
  return (kn.filter === EVFILT_READ || kn.filter === EVFILT_WRITE) && (kn.flags & EV_CLEAR) !== 0;
}

/**
 * What re-arms an EV_CLEAR knote: operations on its descriptor that would have
 * blocked (EAGAIN), plus the readiness edges the host saw on a host-backed
 * descriptor (new data, room freed) — BSD reports EV_CLEAR again on each of
 * those, and a waiter woken by an edge cannot otherwise tell that the
 * descriptor went not ready and ready again in between.
 */
function edgeGen(p: Process, kn: Knote): number {
  const f = p.fds.get(Number(kn.ident))?.file;
  if (!f) return 0;
  return f.eagains + (f.ops.edges?.(kn.filter === EVFILT_WRITE ? 'out' : 'in') ?? 0);
}

/**
 * Whether a knote would be reported now. EV_CLEAR on a descriptor is
 * edge-triggered: reported again only after it was seen not ready, after an
 * operation on it would have blocked (EAGAIN), or after a host readiness edge.
 */
export function reportable(p: Process, kn: Knote, ok: boolean): boolean {
  if (!isEdge(kn)) return ok;
  if (!ok) {
    kn.lastReady = false;
    return false;
  }
  return !(kn.lastReady && kn.reportedAt === edgeGen(p, kn));
}

/** Start what a new knote needs: a timer's clock, a signal or process watch. */
function armKnote(s: Sys, kq: KQueue, kn: Knote): void {
  if (kn.filter === EVFILT_TIMER) {
    const periodNs = BigInt(Math.max(1, Number(kn.data))) * 1_000_000n;
    let next = s.m.clock.monotonicNs() + periodNs;
    const fire = (): void => {
      kn.count++;
      kq.notify();
      if (!(kn.flags & EV_ONESHOT)) {
        next += periodNs;
        kn.stop = s.m.timer(next, fire);
      }
    };
    kn.stop = s.m.timer(next, fire);
  } else if (kn.filter === EVFILT_SIGNAL) {
    s.k.knotes.watchSignal(s.p, kn);
  } else if (kn.filter === EVFILT_PROC) {
    s.k.knotes.watchProc(Number(kn.ident), kn);
  }
}

/** Apply one change to kq's knotes (add, modify, enable, disable, trigger, delete): 0 or the errno to report for it. */
export function applyChange(s: Sys, kq: KQueue, c: KeventRec): number {
  const { ident, filter, flags, fflags } = c;
  const key = `${filter}:${ident}`;
  const fdFilter = filter === EVFILT_READ || filter === EVFILT_WRITE;
  if (!FILTERS.includes(filter)) return E.EINVAL;
  if (fdFilter && !s.p.fds.get(Number(ident))) return E.EBADF;
  if (filter === EVFILT_SIGNAL && (ident < 1n || ident > 128n)) return E.EINVAL;
  if (filter === EVFILT_PROC && flags & EV_ADD && !kq.knotes.has(key) && !s.m.procs.get(Number(ident))) return E.ESRCH;
  if (flags & EV_DELETE) {
    const old = kq.knotes.get(key);
    if (!old) return E.ENOENT;
    kq.registry.unwatch(old);
    kq.knotes.delete(key);
    return 0;
  }
  let kn = kq.knotes.get(key);
  if (!kn && !(flags & EV_ADD)) return E.ENOENT;
  const fresh = !kn;
  kn ??= { ident, filter, flags, fflags, data: c.data, udata: c.udata, triggered: false, enabled: true, count: 0, kq };
  if (fresh) armKnote(s, kq, kn);
  // Only EV_ADD sets the behaviour flags; a later change (a trigger) keeps them.
  if (flags & EV_ADD) {
    kn.flags = flags;
    kn.lastReady = undefined;
    kn.reportedAt = undefined;
  }
  if (fdFilter) kn.file = s.p.fds.get(Number(ident))?.file;
  kn.udata = c.udata;
  if (flags & EV_DISABLE) kn.enabled = false;
  if (flags & EV_ENABLE || flags & EV_ADD) kn.enabled = !(flags & EV_DISABLE);
  if (filter === EVFILT_USER && fflags & NOTE_TRIGGER) kn.triggered = true;
  kq.knotes.set(key, kn);
  return 0;
}

/**
 * The events kq reports now, at most `max`, in the queue's order; reporting
 * consumes what it must (EV_ONESHOT and EVFILT_PROC knotes go, EV_CLEAR user
 * events and timer/signal counts reset, edge-triggered knotes remember the edge).
 * Knotes whose descriptor was closed are dropped on the way.
 */
export function collect(p: Process, kq: KQueue, max: number): KeventRec[] {
  const out: KeventRec[] = [];
  for (const [key, kn] of kq.knotes) {
    if (out.length >= max) break;
    if (kn.file && p.fds.get(Number(kn.ident))?.file !== kn.file) {
      kq.knotes.delete(key); // its descriptor was closed
      continue;
    }
    const r = ready(p, kn);
    if (!reportable(p, kn, r.ok)) continue;
    if (isEdge(kn)) {
      kn.lastReady = true;
      kn.reportedAt = edgeGen(p, kn);
    }
    out.push({
      ident: kn.ident, filter: kn.filter, flags: (kn.flags & (EV_ONESHOT | EV_CLEAR)) | (r.eof ? EV_EOF : 0),
      fflags: 0, data: r.data, udata: kn.udata,
    });
    if (kn.flags & EV_ONESHOT) { kq.registry.unwatch(kn); kq.knotes.delete(key); }
    else if (kn.filter === EVFILT_USER && kn.flags & EV_CLEAR) kn.triggered = false;
    else if (kn.filter === EVFILT_TIMER || kn.filter === EVFILT_SIGNAL) kn.count = 0;
    else if (kn.filter === EVFILT_PROC) { kq.registry.unwatch(kn); kq.knotes.delete(key); }
  }
  return out;
}
