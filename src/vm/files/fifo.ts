// Named pipes. The FIFO itself is a real file on the host (so it lists, stats
// and unlinks like one), but guests never open it on the host: a blocking
// host open would stop every guest thread. Opening it connects to an
// in-process pipe keyed by the file's identity, with POSIX open semantics:
// a reader waits for a writer and a writer for a reader unless O_NONBLOCK,
// and a non-blocking writer with no reader gets ENXIO. Only guests of this
// vkemu meet through a FIFO; another program on the host does not.
import { E } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import type { FileOps, IoResult, OpenFile, StatInfo } from './file.js';
import { PipeBuffer, PipeEnd } from './pipe.js';

/** Both ends in one description, for O_RDWR opens. */
class FifoDuplex implements FileOps {
  readonly kind = 'pipe';
  constructor(private readonly r: PipeEnd, private readonly w: PipeEnd) {}
  read(buf: Buffer, pos: number | null, d: OpenFile, nonblock: boolean): IoResult { return this.r.read(buf, pos, d, nonblock); }
  write(buf: Buffer): IoResult { return this.w.write(buf); }
  ready(dir: 'in' | 'out'): boolean { return dir === 'in' ? this.r.ready('in') : this.w.ready('out'); }
  watch(changed: () => void): () => void { return this.r.watch(changed); }
  stat(): StatInfo { return this.r.stat(); }
  close(): void { this.r.close(); this.w.close(); }
}

export interface FifoOpen {
  /** The open file, ready now. */
  ops: FileOps;
  /** When the open must wait for the other side: resolves true when it came. */
  waitFor?: 'writer' | 'reader';
  pipe: PipeBuffer;
}

/** The pipes behind the FIFOs open now, by the file's identity; one table per Machine (Kernel). */
export class FifoTable {
  private readonly fifos = new Map<string, PipeBuffer>();

  /** Open the FIFO identified by key (dev:ino) for the access mode in flags, or -errno. */
  open(key: string, flags: number, stat: (p: PipeBuffer) => StatInfo): FifoOpen | number {
    const fifos = this.fifos;
    let pipe = fifos.get(key);
    if (!pipe) {
      pipe = new PipeBuffer();
      pipe.statOverride = stat;
      fifos.set(key, pipe);
      const p = pipe;
      pipe.onChange(() => {
        if (p.readers === 0 && p.writers === 0 && p.size() === 0 && fifos.get(key) === p) fifos.delete(key);
      });
    }
    const nonblock = (flags & O.NONBLOCK) !== 0;
    switch (flags & O.ACCMODE) {
      case O.RDONLY: {
        const end = new PipeEnd(pipe, false);
        pipe.notify();
        return { ops: end, pipe, waitFor: !nonblock && pipe.writers === 0 ? 'writer' : undefined };
      }
      case O.WRONLY: {
        if (pipe.readers === 0 && nonblock) return -E.ENXIO;
        const end = new PipeEnd(pipe, true);
        pipe.notify();
        return { ops: end, pipe, waitFor: pipe.readers === 0 ? 'reader' : undefined };
      }
      default: {
        const ops = new FifoDuplex(new PipeEnd(pipe, false), new PipeEnd(pipe, true));
        pipe.notify();
        return { ops, pipe };
      }
    }
  }
}
