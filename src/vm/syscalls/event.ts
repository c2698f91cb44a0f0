// pipe, pipe2, select and poll (kqueue and kevent: kevent.ts).
import { E } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import { Pollfd, Timeval } from '../abi/structs.js';
import { OpenFile } from '../files/file.js';
import { PipeBuffer, PipeEnd } from '../files/pipe.js';
import { HostSocket } from '../files/socket.js';
import type { Sys, SyscallResult, Handler } from './types.js';
import { withSigmask } from './sigmask.js';
import { timespecArg } from './util.js';
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
    // A timeval (select) or a timespec (pselect): the same two 64-bit fields.
    const tv = s.p.space.read(s.ptr(4), Timeval.size);
    if (!tv) return -E.EFAULT;
    const { sec, usec: frac } = Timeval.read(tv), unit = spec ? 1n : 1000n;
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
  const b = nfds ? s.p.space.read(fdsp, nfds * Pollfd.size) : Buffer.alloc(0);
  if (!b) return -E.EFAULT;
  const pfds = Pollfd.readArray(b, nfds);
  const scan = (): number => {
    let n = 0;
    for (let i = 0; i < nfds; i++) {
      const { fd, events: ev } = pfds[i];
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
      Pollfd.write(b, { revents: rev }, i * Pollfd.size);
      if (rev) n++;
    }
    return n;
  };
  const finish = (n: number): number => (n < 0 ? n : s.p.space.write(fdsp, b) ? n : -E.EFAULT);
  const watched: [number, Dir][] = [];
  for (let i = 0; i < nfds; i++) {
    const { fd, events: ev } = pfds[i];
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
} satisfies Record<string, Handler>;
