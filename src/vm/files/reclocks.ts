// POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW), kept by vkemu: all
// guest processes share one host process, whose own fcntl locks could not
// tell them apart. Locks belong to (file, pid); a close of any descriptor of
// the file by that process, or its exit, drops them.
export const F_RDLCK = 1, F_UNLCK = 2, F_WRLCK = 3;

export interface RecLock { pid: number; type: number; start: number; end: number /* exclusive; Infinity = to EOF and beyond */ }

const table = new Map<string, RecLock[]>();
const waiters = new Set<() => void>();

function overlaps(a: RecLock, start: number, end: number): boolean {
  return a.start < end && start < a.end;
}

/** The first lock of another process that conflicts with the request, if any. */
export function conflict(key: string, pid: number, type: number, start: number, end: number): RecLock | undefined {
  return (table.get(key) ?? []).find((l) => l.pid !== pid && overlaps(l, start, end) && (type === F_WRLCK || l.type === F_WRLCK));
}

/** Set (or with F_UNLCK, clear) pid's lock on [start, end). The caller checked conflicts. */
export function setLock(key: string, pid: number, type: number, start: number, end: number): void {
  const out: RecLock[] = [];
  for (const l of table.get(key) ?? []) {
    if (l.pid !== pid || !overlaps(l, start, end)) {
      out.push(l);
      continue;
    }
    // Keep the parts of pid's old lock outside the new range.
    if (l.start < start) out.push({ ...l, end: start });
    if (l.end > end) out.push({ ...l, start: end });
  }
  if (type !== F_UNLCK) out.push({ pid, type, start, end });
  if (out.length) table.set(key, out);
  else table.delete(key);
  if (type === F_UNLCK) wake();
}

/** Drop every lock pid holds on the file (close of a descriptor) or anywhere (exit). */
export function dropLocks(pid: number, key?: string): void {
  for (const [k, locks] of table) {
    if (key !== undefined && k !== key) continue;
    const left = locks.filter((l) => l.pid !== pid);
    if (left.length !== locks.length) {
      if (left.length) table.set(k, left);
      else table.delete(k);
    }
  }
  wake();
}

function wake(): void {
  for (const w of [...waiters]) w();
}

/** Be told when locks are released (F_SETLKW waiters). */
export function onRelease(w: () => void): () => void {
  waiters.add(w);
  return () => waiters.delete(w);
}
