// O_ASYNC: SIGIO to a descriptor's owner when it becomes ready (for a kqueue:
// when it goes from no pending events to some, §6.4). Readiness here is
// polled, so edges are seen within a few milliseconds.
import type { OpenFile } from './file.js';

interface Watch { file: OpenFile; ready: () => boolean; fire: () => void; was: boolean }

const watches = new Map<OpenFile, Watch>();
let timer: NodeJS.Timeout | undefined;

function tick(): void {
  for (const w of watches.values()) {
    if (w.file.refs === 0) {
      watches.delete(w.file);
      continue;
    }
    const now = w.ready();
    if (now && !w.was) w.fire();
    w.was = now;
  }
  if (watches.size === 0 && timer) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Start or stop SIGIO delivery for a file. */
export function setAsync(file: OpenFile, on: boolean, ready: () => boolean, fire: () => void): void {
  if (!on) {
    watches.delete(file);
    return;
  }
  if (!watches.has(file)) watches.set(file, { file, ready, fire, was: ready() });
  if (!timer) {
    timer = setInterval(tick, 3);
    timer.unref();
  }
}

/** The owner collected what was pending (kevent): the next event is a new edge. */
export function drainedAsync(file: OpenFile): void {
  const w = watches.get(file);
  if (w) w.was = false;
}

/** Look now (after a change we know about), instead of at the next tick. */
export function pokeAsync(file: OpenFile): void {
  const w = watches.get(file);
  if (!w) return;
  const now = w.ready();
  if (now && !w.was) w.fire();
  w.was = now;
}
