// pipe, pipe2, kqueue and kevent.
import { E } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import { OpenFile } from '../files/file.js';
import { KQueue, EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ERROR, EV_ONESHOT, EV_RECEIPT, EVFILT_PROC, EVFILT_READ, EVFILT_SIGNAL, EVFILT_TIMER, EVFILT_USER, EVFILT_WRITE, NOTE_TRIGGER, type Knote } from '../files/kqueue.js';
import { PipeBuffer, PipeEnd } from '../files/pipe.js';
import { HostSocket } from '../files/socket.js';
import type { Sys, SyscallResult, Handler } from './types.js';
import { withSigmask } from './sigmask.js';
import { timespecArg } from './util.js';
import type { Process } from '../process.js';
import { FALLBACK_POLL_MS, type Dir } from '../files/hostwatch.js';

function makePipe(s: Sys, flags: number): [number, number] | number {
  const p = new PipeBuffer();
  const r = new OpenFile(new PipeEnd(p, false), O.RDONLY | (flags & O.NONBLOCK));
  const w = new OpenFile(new PipeEnd(p, true), O.WRONLY | (flags & O.NONBLOCK));
  const cloexec = (flags & O.CLOEXEC) !== 0;
  const a = s.p.fds.alloc(r, cloexec);
  if (a < 0) { r.unref(); w.unref(); return a; }
  const b = s.p.fds.alloc(w, cloexec);
  if (b < 0) { s.p.fds.close(a); w.unref(); return b; }
  return [a, b];
}

function ready(s: { p: Process }, kn: Knote): { ok: boolean; data: bigint; eof: boolean } {
  if (!kn.enabled) return { ok: false, data: 0n, eof: false };
  if (kn.filter === EVFILT_USER) return { ok: kn.triggered, data: 0n, eof: false };
  if (kn.filter === EVFILT_TIMER || kn.filter === EVFILT_SIGNAL) return { ok: kn.count > 0, data: BigInt(kn.count), eof: false };
  if (kn.filter === EVFILT_PROC) return { ok: kn.triggered, data: kn.data, eof: true };
  const e = s.p.fds.get(Number(kn.ident));
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
function reportable(p: Process, kn: Knote, ok: boolean): boolean {
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

function kevent(s: Sys): SyscallResult | Promise<SyscallResult> {
  const e = s.p.fds.get(s.int(0));
  if (!e) return -E.EBADF;
  const kq = e.file.ops;
  if (!(kq instanceof KQueue)) return -E.EBADF;
  const changes = s.ptr(1), nch = s.int(2), events = s.ptr(3), nev = s.int(4), tsp = s.ptr(5);
  if (nch < 0 || nev < 0) return -E.EINVAL;
  const receipts: Buffer[] = [];
  if (nch > 0) {
    const cb = s.p.space.read(changes, nch * 32);
    if (!cb) return -E.EFAULT;
    for (let i = 0; i < nch; i++) {
      const o = i * 32;
      const ident = cb.readBigUInt64LE(o), filter = cb.readInt16LE(o + 8), flags = cb.readUInt16LE(o + 10);
      const fflags = cb.readUInt32LE(o + 12), udata = cb.readBigUInt64LE(o + 24);
      const key = `${filter}:${ident}`;
      let err = 0;
      const fdFilter = filter === EVFILT_READ || filter === EVFILT_WRITE;
      if (!fdFilter && ![EVFILT_USER, EVFILT_TIMER, EVFILT_SIGNAL, EVFILT_PROC].includes(filter)) err = E.EINVAL;
      else if (fdFilter && !s.p.fds.get(Number(ident))) err = E.EBADF;
      else if (filter === EVFILT_SIGNAL && (ident < 1n || ident > 128n)) err = E.EINVAL;
      else if (filter === EVFILT_PROC && flags & EV_ADD && !kq.knotes.has(key) && !s.m.procs.get(Number(ident))) err = E.ESRCH;
      else if (flags & EV_DELETE) {
        const old = kq.knotes.get(key);
        if (!old) err = E.ENOENT;
        else { kq.registry.unwatch(old); kq.knotes.delete(key); }
      } else {
        let kn = kq.knotes.get(key);
        if (!kn && !(flags & EV_ADD)) err = E.ENOENT;
        else {
          const fresh = !kn;
          kn ??= { ident, filter, flags, fflags, data: cb.readBigInt64LE(o + 16), udata, triggered: false, enabled: true, count: 0, kq };
          if (fresh) armKnote(s, kq, kn);
          // Only EV_ADD sets the behaviour flags; a later change (a trigger) keeps them.
          if (flags & EV_ADD) {
            kn.flags = flags;
            kn.lastReady = undefined;
            kn.reportedAt = undefined;
          }
          if (fdFilter) kn.file = s.p.fds.get(Number(ident))?.file;
          kn.udata = udata;
          if (flags & EV_DISABLE) kn.enabled = false;
          if (flags & EV_ENABLE || flags & EV_ADD) kn.enabled = !(flags & EV_DISABLE);
          if (filter === EVFILT_USER && fflags & NOTE_TRIGGER) kn.triggered = true;
          kq.knotes.set(key, kn);
        }
      }
      // An error with no room in the event list fails the whole call (BSD semantics).
      if (err && receipts.length >= nev) return -err;
      if (err || flags & EV_RECEIPT) {
        const r = Buffer.from(cb.subarray(o, o + 32));
        r.writeUInt16LE(flags | EV_ERROR, 10);
        r.writeBigInt64LE(BigInt(err), 16);
        receipts.push(r);
      }
    }
    kq.notify();
    s.k.async.poke(e.file);
  }
  let timeoutNs: bigint | undefined;
  if (tsp) {
    const t = s.p.space.read(tsp, 16);
    if (!t) return -E.EFAULT;
    const sec = t.readBigInt64LE(0), nsec = t.readBigInt64LE(8);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -E.EINVAL;
    timeoutNs = sec * 1_000_000_000n + nsec;
  }
  const collect = (): number => {
    const out: Buffer[] = [...receipts.splice(0, nev)];
    for (const [key, kn] of kq.knotes) {
      if (out.length >= nev) break;
      if (kn.file && s.p.fds.get(Number(kn.ident))?.file !== kn.file) {
        kq.knotes.delete(key); // its descriptor was closed
        continue;
      }
      const r = ready(s, kn);
      if (!reportable(s.p, kn, r.ok)) continue;
      if (isEdge(kn)) {
        kn.lastReady = true;
        kn.reportedAt = edgeGen(s.p, kn);
      }
      const b = Buffer.alloc(32);
      b.writeBigUInt64LE(kn.ident, 0);
      b.writeInt16LE(kn.filter, 8);
      b.writeUInt16LE((kn.flags & (EV_ONESHOT | EV_CLEAR)) | (r.eof ? EV_EOF : 0), 10);
      b.writeBigInt64LE(r.data, 16);
      b.writeBigUInt64LE(kn.udata, 24);
      out.push(b);
      if (kn.flags & EV_ONESHOT) { kq.registry.unwatch(kn); kq.knotes.delete(key); }
      else if (kn.filter === EVFILT_USER && kn.flags & EV_CLEAR) kn.triggered = false;
      else if (kn.filter === EVFILT_TIMER || kn.filter === EVFILT_SIGNAL) kn.count = 0;
      else if (kn.filter === EVFILT_PROC) { kq.registry.unwatch(kn); kq.knotes.delete(key); }
    }
    if (out.length && !s.p.space.write(events, Buffer.concat(out))) return -E.EFAULT;
    if (out.length) s.k.async.drained(e.file);
    return out.length;
  };
  const n = nev > 0 || receipts.length ? collect() : 0;
  if (n !== 0 || nev === 0 || timeoutNs === 0n) return n;
  return s.m.block(s.t, 'kevent', true, (done) => {
    const check = (): void => { const k = collect(); if (k !== 0) done(k); };
    // Woken by the queue's own events and by its descriptors' readiness changes (host ones via the watcher thread).
    const stopWatch = kq.watch(check);
    const stopTimer = timeoutNs !== undefined ? s.m.timer(s.m.clock.monotonicNs() + timeoutNs, () => done(0)) : undefined;
    return () => { stopWatch(); stopTimer?.(); };
  });
}

/** Readiness of an fd for select/poll: [readable, writable] or undefined if closed. */
function fdReady(s: Sys, fd: number): [boolean, boolean] | undefined {
  const e = s.p.fds.get(fd);
  if (!e) return undefined;
  const ops = e.file.ops;
  if (ops instanceof HostSocket) return [ops.ready('in') || ops.hangup(), ops.ready('out')];
  return [ops.ready ? ops.ready('in') : true, ops.ready ? ops.ready('out') : true];
}

/**
 * Wait until `scan` finds something (or the timeout passes); interruptible.
 * `watched` lists the descriptors and directions scan looks at: each one that
 * announces changes wakes the scan; if any cannot, the scan also runs now and then.
 */
function waitScan(s: Sys, what: string, timeoutNs: bigint | undefined, scan: () => number,
  watched: Iterable<[number, Dir]>): number | Promise<number> {
  const n = scan();
  if (n !== 0 || timeoutNs === 0n) return n;
  return s.m.block(s.t, what, true, (done) => {
    const check = (): void => { const k = scan(); if (k !== 0) done(k); };
    const offs: (() => void)[] = [];
    let polled = false;
    for (const [fd, dir] of watched) {
      const ops = s.p.fds.get(fd)?.file.ops;
      if (ops?.watch) offs.push(ops.watch(check, dir));
      else if (ops?.ready) polled = true; // files without ready() are always ready: scan found them already
    }
    const iv = polled ? setInterval(check, FALLBACK_POLL_MS) : undefined;
    const stop = timeoutNs !== undefined ? s.m.timer(s.m.clock.monotonicNs() + timeoutNs, () => done(scan())) : undefined;
    return () => { offs.forEach((o) => o()); if (iv) clearInterval(iv); stop?.(); };
  });
}

// select(nd, in, out, ex, timeval) and pselect (a timespec): DragonFly never writes the timeout back.
function select(s: Sys, spec = false): SyscallResult | Promise<SyscallResult> {
  const nd = s.int(0);
  if (nd < 0 || nd > 1024) return -E.EINVAL;
  const bytes = Math.ceil(nd / 64) * 8;
  const sets: (Buffer | undefined)[] = [];
  for (let i = 1; i <= 3; i++) {
    const a = s.ptr(i);
    if (!a || bytes === 0) { sets.push(undefined); continue; }
    const b = s.p.space.read(a, bytes);
    if (!b) return -E.EFAULT;
    sets.push(b);
  }
  let timeoutNs: bigint | undefined;
  if (s.ptr(4)) {
    const tv = s.p.space.read(s.ptr(4), 16);
    if (!tv) return -E.EFAULT;
    const sec = tv.readBigInt64LE(0), frac = tv.readBigInt64LE(8), unit = spec ? 1n : 1000n;
    if (sec < 0n || frac < 0n || frac * unit >= 1_000_000_000n) return -E.EINVAL;
    timeoutNs = sec * 1_000_000_000n + frac * unit;
  }
  for (let fd = 0; fd < nd; fd++) {
    const want = sets.some((b) => b && b[fd >> 3] & (1 << (fd & 7)));
    if (want && !s.p.fds.get(fd)) return -E.EBADF;
  }
  let result: Buffer[] = [];
  const scan = (): number => {
    let n = 0;
    result = sets.map(() => Buffer.alloc(bytes));
    for (let fd = 0; fd < nd; fd++) {
      const bit = 1 << (fd & 7), byte = fd >> 3;
      // Only descriptors in a set: probing others (stdout on a socket) would start reads on them.
      if (!sets.some((b) => b && b[byte] & bit)) continue;
      const r = fdReady(s, fd);
      if (!r) continue;
      if (sets[0] && sets[0][byte] & bit && r[0]) { result[0][byte] |= bit; n++; }
      if (sets[1] && sets[1][byte] & bit && r[1]) { result[1][byte] |= bit; n++; }
    }
    return n;
  };
  const finish = (n: number): number => {
    if (n < 0) return n;
    for (let i = 0; i < 3; i++) if (sets[i] && !s.p.space.write(s.ptr(i + 1), result[i] ?? Buffer.alloc(bytes))) return -E.EFAULT;
    return n;
  };
  const watched: [number, Dir][] = [];
  for (let fd = 0; fd < nd; fd++) {
    const bit = 1 << (fd & 7), byte = fd >> 3;
    if (sets[0] && sets[0][byte] & bit) watched.push([fd, 'in']);
    if (sets[1] && sets[1][byte] & bit) watched.push([fd, 'out']);
  }
  const r = waitScan(s, 'select', timeoutNs, scan, watched);
  return typeof r === 'number' ? finish(r) : r.then(finish);
}

const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLRDNORM = 0x40, POLLWRNORM = 0x4, POLLNVAL = 0x20, POLLHUP = 0x10;

/** poll, and ppoll with its timespec (undefined: forever) read by the caller. */
function poll(s: Sys, ppollTimeout?: bigint | null): SyscallResult | Promise<SyscallResult> {
  const fdsp = s.ptr(0), nfds = s.uint(1), timeout = s.int(2);
  if (nfds > s.p.fds.limit) return -E.EINVAL;
  const b = nfds ? s.p.space.read(fdsp, nfds * 8) : Buffer.alloc(0);
  if (!b) return -E.EFAULT;
  const scan = (): number => {
    let n = 0;
    for (let i = 0; i < nfds; i++) {
      const fd = b.readInt32LE(i * 8), ev = b.readInt16LE(i * 8 + 4);
      let rev = 0;
      if (fd >= 0) {
        const r = fdReady(s, fd);
        if (!r) rev = POLLNVAL;
        else {
          if (r[0] && ev & (POLLIN | POLLRDNORM | POLLPRI)) rev |= ev & (POLLIN | POLLRDNORM);
          if (r[1] && ev & (POLLOUT | POLLWRNORM)) rev |= ev & (POLLOUT | POLLWRNORM);
          const ops = s.p.fds.get(fd)!.file.ops;
          if (ops instanceof PipeEnd && ops.pipe.writers === 0 && !ops.writable) rev |= POLLHUP;
        }
      }
      b.writeInt16LE(rev, i * 8 + 6);
      if (rev) n++;
    }
    return n;
  };
  const finish = (n: number): number => (n < 0 ? n : s.p.space.write(fdsp, b) ? n : -E.EFAULT);
  const watched: [number, Dir][] = [];
  for (let i = 0; i < nfds; i++) {
    const fd = b.readInt32LE(i * 8), ev = b.readInt16LE(i * 8 + 4);
    if (fd < 0) continue;
    const out = (ev & (POLLOUT | POLLWRNORM)) !== 0;
    // Input edges include hang-ups, which poll reports whatever was asked for.
    if (ev & (POLLIN | POLLRDNORM | POLLPRI) || !out) watched.push([fd, 'in']);
    if (out) watched.push([fd, 'out']);
  }
  const timeoutNs = ppollTimeout !== undefined ? ppollTimeout ?? undefined : timeout < 0 ? undefined : BigInt(timeout) * 1_000_000n;
  const r = waitScan(s, 'poll', timeoutNs, scan, watched);
  return typeof r === 'number' ? finish(r) : r.then(finish);
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const eventHandlers = {
  select,
  poll: (s) => poll(s),
  pselect: (s) => withSigmask(s, 5, () => select(s, true)),
  ppoll: (s) => { const ns = timespecArg(s, 2); return typeof ns === 'number' ? ns : withSigmask(s, 3, () => poll(s, ns ?? null)); },
  pipe: (s) => makePipe(s, 0),
  pipe2: (s) => { const r = makePipe(s, s.int(1)); if (typeof r === 'number') return r; const b = Buffer.alloc(8); b.writeInt32LE(r[0], 0); b.writeInt32LE(r[1], 4); if (s.ptr(0) && !s.p.space.write(s.ptr(0), b)) { s.p.fds.close(r[0]); s.p.fds.close(r[1]); return -E.EFAULT; } return r; },
  kqueue: (s) => {
    const kq = new KQueue(s.k.knotes);
    const p = s.p;
    kq.hasReady = () => [...kq.knotes.values()].some((kn) => reportable(p, kn, ready({ p }, kn).ok));
    const f = new OpenFile(kq, O.RDWR);
    const fd = s.p.fds.alloc(f);
    if (fd < 0) f.unref();
    return fd;
  },
  kevent,
} satisfies Record<string, Handler>;
