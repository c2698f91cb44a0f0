// kqueue: the filters Go's runtime and simple event loops use (READ, WRITE, USER).
import type { FileOps, IoResult, OpenFile, StatInfo } from './file.js';
import { E } from '../abi/errno.js';
import { FALLBACK_POLL_MS } from './hostwatch.js';

export const EVFILT_READ = -1, EVFILT_WRITE = -2, EVFILT_PROC = -5, EVFILT_SIGNAL = -6, EVFILT_TIMER = -7,
  EVFILT_USER = -9;
export const NOTE_EXIT = 0x80000000;
export const EV_ADD = 0x1, EV_DELETE = 0x2, EV_ENABLE = 0x4, EV_DISABLE = 0x8, EV_ONESHOT = 0x10,
  EV_CLEAR = 0x20, EV_RECEIPT = 0x40, EV_ERROR = 0x4000, EV_EOF = 0x8000;
export const NOTE_TRIGGER = 0x01000000;

export interface Knote {
  ident: bigint; filter: number; flags: number; fflags: number; data: bigint; udata: bigint;
  triggered: boolean; enabled: boolean;
  /** EVFILT_TIMER expirations / EVFILT_SIGNAL deliveries not yet reported. */
  count: number;
  /** EV_CLEAR on a descriptor: whether it was ready at the last look, and the
   *  descriptor's EAGAIN count when last reported (edge-triggered reporting). */
  lastReady?: boolean;
  reportedAt?: number;
  /** For READ/WRITE: the open file the knote was added for. Closing the
   *  descriptor removes the knote (BSD semantics), even if the number is reused. */
  file?: OpenFile;
  /** Stops an EVFILT_TIMER's clock. */
  stop?: () => void;
  kq?: KQueue;
}

/**
 * The knotes that wait on something other than a descriptor: EVFILT_SIGNAL
 * knotes by process (any object standing for it), EVFILT_PROC knotes by pid.
 * One registry per Machine (Kernel), told of signals and exits by the Machine.
 */
export class KnoteRegistry {
  private readonly signalKnotes = new Map<object, Set<Knote>>();
  private readonly procKnotes = new Map<number, Set<Knote>>();

  watchSignal(proc: object, kn: Knote): void {
    let set = this.signalKnotes.get(proc);
    if (!set) this.signalKnotes.set(proc, (set = new Set()));
    set.add(kn);
  }

  watchProc(pid: number, kn: Knote): void {
    let set = this.procKnotes.get(pid);
    if (!set) this.procKnotes.set(pid, (set = new Set()));
    set.add(kn);
  }

  unwatch(kn: Knote): void {
    kn.stop?.();
    for (const set of this.signalKnotes.values()) set.delete(kn);
    for (const set of this.procKnotes.values()) set.delete(kn);
  }

  /** A signal was posted to proc (even if it is ignored). */
  signalEvent(proc: object, sig: number): void {
    for (const kn of this.signalKnotes.get(proc) ?? []) {
      if (Number(kn.ident) === sig) {
        kn.count++;
        kn.kq?.notify();
      }
    }
  }

  /** Process pid exited with wait status `status`. */
  procExitEvent(pid: number, status: number): void {
    const set = this.procKnotes.get(pid);
    if (!set) return;
    for (const kn of set) {
      if (kn.fflags & NOTE_EXIT) {
        kn.triggered = true;
        kn.data = BigInt(status);
        kn.kq?.notify();
      }
    }
    this.procKnotes.delete(pid);
  }
}

export class KQueue implements FileOps {
  readonly kind = 'kqueue';
  knotes = new Map<string, Knote>();
  /** Whether any knote would be reported now (set by kqueue(), which knows the fd table). */
  hasReady: () => boolean = () => false;
  private waiters = new Set<() => void>();
  constructor(readonly registry: KnoteRegistry) {}
  read(): IoResult { return -E.EINVAL; }
  write(): IoResult { return -E.EINVAL; }
  stat(): StatInfo {
    return { ino: 0n, nlink: 1, dev: 0, mode: 0, uid: 0, gid: 0, rdev: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, size: 0n, blocks: 0n, blksize: 4096 };
  }
  notify(): void {
    for (const w of [...this.waiters]) w();
  }
  onChange(w: () => void): () => void {
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }
  /**
   * Call `changed` when any knote may have become reportable: on the queue's
   * own events (timers, signals, processes, EVFILT_USER, changes) and on
   * readiness changes of the descriptors its knotes watch. Knotes added while
   * watching (another thread registering a descriptor) are followed too. A
   * descriptor that cannot announce changes is looked at now and then.
   */
  watch(changed: () => void): () => void {
    const subs = new Map<Knote, () => void>();
    let poll: NodeJS.Timeout | undefined;
    const sync = (): void => {
      const live = new Set(this.knotes.values());
      for (const [kn, off] of subs) if (!live.has(kn)) { off(); subs.delete(kn); }
      let polled = false;
      for (const kn of live) {
        if (kn.filter !== EVFILT_READ && kn.filter !== EVFILT_WRITE) continue;
        const ops = kn.file?.ops;
        if (!ops) continue;
        if (ops.watch) {
          if (!subs.has(kn)) subs.set(kn, ops.watch(changed, kn.filter === EVFILT_READ ? 'in' : 'out'));
        } else if (ops.ready) {
          polled = true;
        }
      }
      if (polled && !poll) poll = setInterval(changed, FALLBACK_POLL_MS);
      else if (!polled && poll) { clearInterval(poll); poll = undefined; }
    };
    const offChange = this.onChange(() => { sync(); changed(); });
    sync();
    return () => {
      offChange();
      for (const off of subs.values()) off();
      subs.clear();
      if (poll) clearInterval(poll);
    };
  }
  close(): void {
    for (const kn of this.knotes.values()) this.registry.unwatch(kn);
    this.knotes.clear();
    this.notify(); // O_ASYNC watchers see the queue gone and let go
  }
}
