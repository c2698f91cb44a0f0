// POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW), kept by vkemu: all
// guest processes share one host process, whose own fcntl locks could not
// tell them apart. Locks belong to (file, pid); a close of any descriptor of
// the file by that process, or its exit, drops them. One table per Machine (Kernel).
export const F_RDLCK = 1, F_UNLCK = 2, F_WRLCK = 3;

export interface RecLock { pid: number; type: number; start: number; end: number /* exclusive; Infinity = to EOF and beyond */ }

function overlaps(a: RecLock, start: number, end: number): boolean {
  return a.start < end && start < a.end;
}

export class RecordLocks {
  /** Locks by file identity (dev:ino). */
  private readonly table = new Map<string, RecLock[]>();
  private readonly waiters = new Set<() => void>();

  /** The first lock of another process that conflicts with the request, if any. */
  conflict(key: string, pid: number, type: number, start: number, end: number): RecLock | undefined {
    return (this.table.get(key) ?? []).find((l) => l.pid !== pid && overlaps(l, start, end) && (type === F_WRLCK || l.type === F_WRLCK));
  }

  /** Set (or with F_UNLCK, clear) pid's lock on [start, end). The caller checked conflicts. */
  set(key: string, pid: number, type: number, start: number, end: number): void {
    const out: RecLock[] = [];
    for (const l of this.table.get(key) ?? []) {
      if (l.pid !== pid || !overlaps(l, start, end)) {
        out.push(l);
        continue;
      }
      // Keep the parts of pid's old lock outside the new range.
      if (l.start < start) out.push({ ...l, end: start });
      if (l.end > end) out.push({ ...l, start: end });
    }
    if (type !== F_UNLCK) out.push({ pid, type, start, end });
    if (out.length) this.table.set(key, out);
    else this.table.delete(key);
    if (type === F_UNLCK) this.wake();
  }

  /** Drop every lock pid holds on the file (close of a descriptor) or anywhere (exit). */
  drop(pid: number, key?: string): void {
    for (const [k, locks] of this.table) {
      if (key !== undefined && k !== key) continue;
      const left = locks.filter((l) => l.pid !== pid);
      if (left.length !== locks.length) {
        if (left.length) this.table.set(k, left);
        else this.table.delete(k);
      }
    }
    this.wake();
  }

  /** Be told when locks are released (F_SETLKW waiters). */
  onRelease(w: () => void): () => void {
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
