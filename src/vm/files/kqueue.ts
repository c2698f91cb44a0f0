// kqueue: the filters Go's runtime and simple event loops use (READ, WRITE, USER).
import type { FileOps, IoResult, StatInfo } from './file.js';
import { E } from '../abi/errno.js';

export const EVFILT_READ = -1, EVFILT_WRITE = -2, EVFILT_USER = -9;
export const EV_ADD = 0x1, EV_DELETE = 0x2, EV_ENABLE = 0x4, EV_DISABLE = 0x8, EV_ONESHOT = 0x10,
  EV_CLEAR = 0x20, EV_RECEIPT = 0x40, EV_ERROR = 0x4000, EV_EOF = 0x8000;
export const NOTE_TRIGGER = 0x01000000;

export interface Knote { ident: bigint; filter: number; flags: number; fflags: number; data: bigint; udata: bigint; triggered: boolean; enabled: boolean }

export class KQueue implements FileOps {
  readonly kind = 'kqueue';
  knotes = new Map<string, Knote>();
  /** Whether any knote would be reported now (set by kqueue(), which knows the fd table). */
  hasReady: () => boolean = () => false;
  private waiters = new Set<() => void>();
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
  close(): void {
    this.knotes.clear();
  }
}
