// O_ASYNC: SIGIO to a descriptor's owner when it becomes ready (for a kqueue:
// when it goes from no pending events to some, §6.4). Nothing is polled: each
// file with SIGIO on is watched (FileOps.watch; host descriptors through the
// native watcher thread) and looked at when its readiness may have changed.
// A host-backed file also signals on each new readiness edge while it stays
// ready (new data that was not drained), as BSD's sowakeup/ttwakeup do: we
// cannot see it go not ready and ready again in between.
import type { OpenFile } from './file.js';
import { FALLBACK_POLL_MS } from './hostwatch.js';

interface Watch { file: OpenFile; ready: () => boolean; fire: () => void; was: boolean; gen: number; stop: () => void }

function edgeGen(file: OpenFile): number {
  return file.ops.edges?.('in') ?? 0;
}

/** The files with SIGIO on, one table per Machine (Kernel). */
export class AsyncSignals {
  private readonly watches = new Map<OpenFile, Watch>();

  private look(w: Watch): void {
    if (w.file.refs === 0) {
      w.stop();
      this.watches.delete(w.file);
      return;
    }
    const now = w.ready(), gen = edgeGen(w.file);
    if (now && (!w.was || gen !== w.gen)) w.fire();
    w.was = now;
    w.gen = gen;
  }

  /** Start or stop SIGIO delivery for a file. */
  set(file: OpenFile, on: boolean, ready: () => boolean, fire: () => void): void {
    const old = this.watches.get(file);
    if (!on) {
      old?.stop();
      this.watches.delete(file);
      return;
    }
    if (old) return;
    const w: Watch = { file, ready, fire, was: ready(), gen: edgeGen(file), stop: () => {} };
    this.watches.set(file, w);
    const changed = (): void => { if (this.watches.get(file) === w) this.look(w); };
    if (file.ops.watch) {
      w.stop = file.ops.watch(changed, 'in');
    } else {
      // Files that cannot announce changes (none of vkemu's own): a slow look now and then.
      const iv = setInterval(changed, FALLBACK_POLL_MS);
      iv.unref();
      w.stop = () => clearInterval(iv);
    }
  }

  /** The owner collected what was pending (kevent): the next event is a new edge. */
  drained(file: OpenFile): void {
    const w = this.watches.get(file);
    if (w) w.was = false;
  }

  /** Look now (after a change we know about). */
  poke(file: OpenFile): void {
    const w = this.watches.get(file);
    if (w) this.look(w);
  }
}
