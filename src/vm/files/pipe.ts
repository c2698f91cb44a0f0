// In-process pipes between guest threads and processes.
import { E } from '../abi/errno.js';
import { Access, type AddressSpace } from '../../cpu/engine.js';
import { O } from '../abi/flags.js';
import type { FileOps, IoResult, OpenFile, StatInfo } from './file.js';

let nextIno = 1n;
/** Bytes a pipe holds before writers wait (DragonFly's big-pipe size). */
export const PIPE_CAPACITY = 65536;

/**
 * The bytes in a pipe: a ring of PIPE_CAPACITY bytes, made at the first write. Writes copy into it
 * and reads out of it, from and to guest memory directly when they can (PipeEnd.io): a buffer
 * per write cost more than the copies (64 KiB writes of Go's io.Copy: 330 -> 650 MB/s, measured).
 */
export class PipeBuffer {
  private ring: Buffer | undefined;
  private head = 0;
  private held = 0;
  readers = 0;
  writers = 0;
  private waiters = new Set<() => void>();
  readonly ino = nextIno++;
  /** A named pipe reports its host file's stat (files/fifo.ts). */
  statOverride: ((p: PipeBuffer) => StatInfo) | undefined;
  size(): number {
    return this.held;
  }
  notify(): void {
    for (const w of [...this.waiters]) w();
  }
  onChange(w: () => void): () => void {
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }
  /** The free part of the ring as at most two pieces [offset, length], for n bytes. */
  private freeParts(n: number): [number, number][] {
    const ring = (this.ring ??= Buffer.allocUnsafeSlow(PIPE_CAPACITY));
    const tail = (this.head + this.held) % ring.length;
    const first = Math.min(n, ring.length - tail);
    return first < n ? [[tail, first], [0, n - first]] : [[tail, n]];
  }
  /** The held part as at most two pieces, for the first n bytes. */
  private heldParts(n: number): [number, number][] {
    const len = this.ring!.length;
    const first = Math.min(n, len - this.head);
    return first < n ? [[this.head, first], [0, n - first]] : [[this.head, n]];
  }
  /** Appends what fits of src; the count. */
  put(src: Uint8Array): number {
    const n = Math.min(PIPE_CAPACITY - this.held, src.length);
    let at = 0;
    for (const [off, k] of this.freeParts(n)) {
      this.ring!.set(src.subarray(at, at + k), off);
      at += k;
    }
    this.held += n;
    return n;
  }
  /** Appends n bytes of guest memory at addr (checked readable by the caller). */
  putFrom(space: AddressSpace, addr: number, n: number): void {
    let at = 0;
    for (const [off, k] of this.freeParts(n)) {
      space.readInto(addr + at, this.ring!.subarray(off, off + k));
      at += k;
    }
    this.held += n;
  }
  /** Moves up to dst.length bytes into dst; the count. */
  take(dst: Buffer): number {
    const n = Math.min(this.held, dst.length);
    let at = 0;
    for (const [off, k] of this.heldParts(n)) {
      this.ring!.copy(dst, at, off, off + k);
      at += k;
    }
    this.consume(n);
    return n;
  }
  /** Moves up to len bytes to guest memory at addr (checked writable by the caller); the count. */
  takeTo(space: AddressSpace, addr: number, len: number): number {
    const n = Math.min(this.held, len);
    let at = 0;
    for (const [off, k] of this.heldParts(n)) {
      space.write(addr + at, this.ring!, off, k);
      at += k;
    }
    this.consume(n);
    return n;
  }
  private consume(n: number): void {
    this.held -= n;
    this.head = this.held ? (this.head + n) % PIPE_CAPACITY : 0;
  }
}

export class PipeEnd implements FileOps {
  readonly kind = 'pipe';
  constructor(readonly pipe: PipeBuffer, readonly writable: boolean) {
    if (writable) pipe.writers++;
    else pipe.readers++;
  }
  readable(): boolean {
    return this.pipe.size() > 0 || this.pipe.writers === 0;
  }
  watch(changed: () => void): () => void {
    return this.pipe.onChange(changed);
  }
  ready(dir: 'in' | 'out'): boolean {
    return dir === 'out' ? this.space() > 0 || this.pipe.readers === 0 : this.readable();
  }
  private take(buf: Buffer): number {
    const n = this.pipe.take(buf);
    this.pipe.notify();
    return n;
  }
  read(buf: Buffer, _pos: number | null, _d: unknown, _nonblock: boolean): IoResult {
    if (this.writable) return -E.EBADF;
    if (this.pipe.size()) return this.take(buf);
    if (this.pipe.writers === 0) return 0;
    // Blocking callers wait with whenReady and try again: a wait of our own could
    // not be cancelled, and after a signal (EINTR, SA_RESTART) it would swallow
    // the next bytes written.
    return -E.EAGAIN;
  }
  /**
   * read/write when there is data to read or room to write, straight between guest memory and the
   * ring: no buffer in between. Waiting (but for EAGAIN on a non-blocking descriptor) and a
   * reader's end of file take the buffered path (undefined), which answers as before; so does a
   * bad address, before anything moves.
   */
  io(write: boolean, space: AddressSpace, addr: number, len: number, _pos: number | null, desc: OpenFile): number | undefined {
    if (len <= 0 || write !== this.writable) return undefined;
    const p = this.pipe;
    if (write) {
      if (!space.check(addr, len, Access.Read)) return undefined;
      if (p.readers === 0) return -E.EPIPE;
      // A full pipe: EAGAIN to a non-blocking writer at once (the buffered path copied the 64 KiB
      // into a new buffer first, each time: most of the time of Go's pipe writes).
      const n = Math.min(this.space(), len);
      if (n <= 0) return desc.flags & O.NONBLOCK ? -E.EAGAIN : undefined;
      p.putFrom(space, addr, n);
      p.notify();
      return n;
    }
    if (!space.check(addr, len, Access.Write)) return undefined;
    // Nothing to read on a non-blocking pipe is the netpoller's every other call: EAGAIN without
    // the buffered path's 64 KiB buffer.
    if (!p.size()) return p.writers === 0 ? 0 : desc.flags & O.NONBLOCK ? -E.EAGAIN : undefined;
    const n = p.takeTo(space, addr, len);
    p.notify();
    return n;
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
    const n = this.pipe.put(buf);
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
