// In-process pipes between guest threads and processes.
import { E } from '../abi/errno.js';
import { takeChunks } from './chunks.js';
import type { FileOps, IoResult, StatInfo } from './file.js';

let nextIno = 1n;
/** Bytes a pipe holds before writers wait (DragonFly's big-pipe size). */
export const PIPE_CAPACITY = 65536;

export class PipeBuffer {
  chunks: Buffer[] = [];
  readers = 0;
  writers = 0;
  private waiters = new Set<() => void>();
  readonly ino = nextIno++;
  /** A named pipe reports its host file's stat (files/fifo.ts). */
  statOverride: ((p: PipeBuffer) => StatInfo) | undefined;
  size(): number {
    return this.chunks.reduce((a, c) => a + c.length, 0);
  }
  notify(): void {
    for (const w of [...this.waiters]) w();
  }
  onChange(w: () => void): () => void {
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }
}

export class PipeEnd implements FileOps {
  readonly kind = 'pipe';
  constructor(readonly pipe: PipeBuffer, readonly writable: boolean) {
    if (writable) pipe.writers++;
    else pipe.readers++;
  }
  readable(): boolean {
    return this.pipe.chunks.length > 0 || this.pipe.writers === 0;
  }
  watch(changed: () => void): () => void {
    return this.pipe.onChange(changed);
  }
  ready(dir: 'in' | 'out'): boolean {
    return dir === 'out' ? this.space() > 0 || this.pipe.readers === 0 : this.readable();
  }
  private take(buf: Buffer): number {
    const n = takeChunks(this.pipe.chunks, buf);
    this.pipe.notify();
    return n;
  }
  read(buf: Buffer, _pos: number | null, _d: unknown, _nonblock: boolean): IoResult {
    if (this.writable) return -E.EBADF;
    if (this.pipe.chunks.length) return this.take(buf);
    if (this.pipe.writers === 0) return 0;
    // Blocking callers wait with whenReady and try again: a wait of our own could
    // not be cancelled, and after a signal (EINTR, SA_RESTART) it would swallow
    // the next bytes written.
    return -E.EAGAIN;
  }
  /** Room left; a write that finds none gets EAGAIN (blocking callers then wait). */
  space(): number {
    return PIPE_CAPACITY - this.pipe.size();
  }
  write(buf: Buffer): IoResult {
    if (!this.writable) return -E.EBADF;
    if (this.pipe.readers === 0) return -E.EPIPE;
    if (buf.length === 0) return 0;
    const room = this.space();
    if (room <= 0) return -E.EAGAIN;
    const n = Math.min(room, buf.length);
    this.pipe.chunks.push(Buffer.from(buf.subarray(0, n)));
    this.pipe.notify();
    return n;
  }
  stat(): StatInfo {
    if (this.pipe.statOverride) return this.pipe.statOverride(this.pipe);
    return { ino: this.pipe.ino, nlink: 1, dev: 0, mode: 0o10600, uid: 0, gid: 0, rdev: 0, atimeNs: 0n,
      mtimeNs: 0n, ctimeNs: 0n, size: BigInt(this.pipe.size()), blocks: 0n, blksize: 4096 };
  }
  close(): void {
    if (this.writable) this.pipe.writers--;
    else this.pipe.readers--;
    this.pipe.notify();
  }
}
