// Readiness notifications for one host descriptor (a socket, a TAP, a
// terminal) from the native watcher thread (native/src/poller.cc, HostOs
// .watchFd). One edge-triggered registration per descriptor, made at the first
// wait and kept until the file closes, shared by every waiter on it. Keeping it
// means edges are counted between waits too (EV_CLEAR and SIGIO re-arm on them)
// and a wait never re-registers, which would report a still-ready descriptor
// once more each time.
import type { HostOs } from '../../host/hostos.js';

export type Dir = 'in' | 'out';

export const EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
const IN_EDGE = EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
const OUT_EDGE = EPOLLOUT | EPOLLHUP | EPOLLERR;

/**
 * How often a waiter looks at a file that cannot announce readiness changes.
 * Only files without `watch` (none of vkemu's own) and descriptors the host
 * refuses to watch are polled; slow on purpose, it is a safety net.
 * VKEMU_FALLBACK_POLL_MS changes it: tests set it beyond any run's length to
 * show that no wait depends on the safety net.
 */
export const FALLBACK_POLL_MS = fallbackPollMs(process.env.VKEMU_FALLBACK_POLL_MS);

function fallbackPollMs(v: string | undefined): number {
  if (v === undefined) return 50;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new Error(`VKEMU_FALLBACK_POLL_MS: '${v}' is not a number of milliseconds`);
  return Math.min(n, 2 ** 31 - 1); // setInterval's limit
}

export class HostReadiness {
  private readonly listeners = { in: new Set<() => void>(), out: new Set<() => void>() };
  private readonly seen = { in: 0, out: 0 };
  private cancel: (() => void) | undefined;
  private state: 'idle' | 'watched' | 'polled' | 'closed' = 'idle';
  private poll: NodeJS.Timeout | undefined;

  /** `events`: the EPOLL* bits to watch (EPOLLIN, EPOLLOUT, EPOLLRDHUP). */
  constructor(private readonly host: HostOs, private readonly fd: number, private readonly events: number) {}

  /** Edges seen in a direction since the first wait (only counted while registered). */
  edges(dir: Dir): number {
    return this.seen[dir];
  }

  /** Call `changed` after each edge in `dir` (either, when omitted); returns the unsubscriber. */
  watch(changed: () => void, dir?: Dir): () => void {
    if (this.state === 'closed') return () => {};
    // A wrapper of its own: the same function subscribed twice is unsubscribed separately.
    const entry = (): void => changed();
    const sets = dir ? [this.listeners[dir]] : [this.listeners.in, this.listeners.out];
    for (const set of sets) set.add(entry);
    this.arm();
    return () => {
      for (const set of sets) set.delete(entry);
      this.idle();
    };
  }

  /** The file is closing (call before closing the descriptor): wake every waiter once, then stop watching. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancel?.();
    this.cancel = undefined;
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    this.notify(EPOLLHUP);
    this.listeners.in.clear();
    this.listeners.out.clear();
  }

  private arm(): void {
    if (this.state === 'watched' || this.state === 'closed') {
      return;
    }
    if (this.state === 'idle') {
      const r = this.host.watchFd(this.fd, this.events, (revents) => this.notify(revents));
      if (typeof r !== 'number') {
        this.cancel = r;
        this.state = 'watched';
        return;
      }
      this.state = 'polled'; // the host would not watch it (ENOMEM, ENOSPC, EPERM): look now and then
    }
    if (!this.poll) {
      this.poll = setInterval(() => this.notify(EPOLLIN | EPOLLOUT), FALLBACK_POLL_MS);
      this.poll.unref();
    }
  }

  /** A polled descriptor stops its timer when nobody waits any more. */
  private idle(): void {
    if (this.state === 'polled' && this.poll && !this.listeners.in.size && !this.listeners.out.size) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  private notify(revents: number): void {
    const inEdge = (revents & IN_EDGE) !== 0, outEdge = (revents & OUT_EDGE) !== 0;
    if (this.state === 'watched') {
      if (inEdge) this.seen.in++;
      if (outEdge) this.seen.out++;
    }
    const call = new Set<() => void>();
    if (inEdge) for (const l of this.listeners.in) call.add(l);
    if (outEdge) for (const l of this.listeners.out) call.add(l);
    let failure: unknown;
    for (const l of call) {
      // Every waiter gets its wake-up even if one of them fails; the failure is reported afterwards.
      try { l(); } catch (e) { failure ??= e; }
    }
    if (failure !== undefined) queueMicrotask(() => { throw failure; });
  }
}
