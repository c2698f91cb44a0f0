// The guest's console: the user's terminal (or whatever vkemu's stdio is),
// with DragonFly tty ioctls served on the host descriptor.
import fs from 'node:fs';
import os from 'node:os';
import { E, fromLinuxErrno, fromNodeError } from '../vm/abi/errno.js';
import type { FileOps, IoResult, OpenFile, StatInfo } from '../vm/files/file.js';
import { statFromNode } from '../vm/files/hostfile.js';
import { takeChunks } from '../vm/files/chunks.js';
import type { GuestThread } from '../vm/thread.js';
import type { Process } from '../vm/process.js';
import type { AddressSpace } from '../cpu/engine.js';
import type { HostOs } from '../host/hostos.js';
import { dfToLinux, DF_TERMIOS_SIZE, LINUX_TERMIOS_SIZE, linuxToDf } from './termios.js';
import { EPOLLIN, HostReadiness, type Dir } from '../vm/files/hostwatch.js';
import { IOCTL } from '../vm/abi/ioctls.js';

export const { TIOCGETA, TIOCSETA, TIOCSETAW, TIOCSETAF, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, FIONBIO, TIOCGPGRP, TIOCSPGRP, TIOCSCTTY } = IOCTL;

/**
 * The user's terminal as the guest's controlling tty, shared by the three console descriptors
 * (Kernel.terminal): its foreground process group (0: the first process's) and the leader of the
 * session it is the controlling terminal of (the first process, until another session leader takes
 * it with TIOCSCTTY).
 */
export interface Terminal {
  foreground: number;
  leader: Process | undefined;
}

const POLLIN = 1; // Linux
const L_TCGETS = 0x5401, L_TCSETS = 0x5402, L_TCSETSW = 0x5403, L_TCSETSF = 0x5404,
  L_TIOCGWINSZ = 0x5413, L_TIOCSWINSZ = 0x5414, L_FIONREAD = 0x541b;

/** A host stream (tty, pipe or file) shared by the guest's fd 0, 1 and 2. */
export class ConsoleStream implements FileOps {
  readonly kind: 'tty' | 'pipe' | 'file';
  readonly isTty: boolean;
  private buffered: Buffer[] = [];
  private eof = false;
  private pending: Promise<void> | undefined;
  readonly seekable = false;
  /** Termios as the guest last set it; restored on exit. */
  private savedTermios: Buffer | undefined;

  constructor(readonly hostFd: number, private host: HostOs, private readonly terminal: Terminal) {
    const st = fs.fstatSync(hostFd);
    this.isTty = st.isCharacterDevice() && this.probeTty();
    this.kind = this.isTty ? 'tty' : st.isFile() ? 'file' : 'pipe';
  }

  private probeTty(): boolean {
    const b = Buffer.alloc(LINUX_TERMIOS_SIZE);
    return this.host.ioctlBuf(this.hostFd, L_TCGETS, b) === 0;
  }

  private streamWaiters: (() => void)[] = [];
  private streaming = false;
  /** Waiters on input readiness (select, kevent, SIGIO): told whenever input or end of file arrives. */
  private watchers = new Set<() => void>();
  private arrivals = 0;
  /** A descriptor other than fd 0 read without Node's stream: its EAGAIN waits for the native watcher. */
  private hostReady: HostReadiness | undefined;

  private arrived(): void {
    this.arrivals++;
    for (const w of [...this.watchers]) w();
  }

  /**
   * Terminal and pipe input on fd 0 comes through Node's stream (epoll, no
   * thread): a read blocked in the thread pool would keep vkemu from exiting.
   */
  private fillFromStream(): Promise<void> {
    if (!this.streaming) {
      this.streaming = true;
      const wake = (): void => {
        const w = this.streamWaiters;
        this.streamWaiters = [];
        w.forEach((f) => f());
        this.arrived();
      };
      process.stdin.on('data', (chunk: Buffer) => { this.buffered.push(chunk); wake(); });
      process.stdin.on('end', () => { this.eof = true; wake(); });
      process.stdin.on('error', () => { this.eof = true; wake(); });
    }
    return new Promise<void>((resolve) => this.streamWaiters.push(resolve));
  }

  private fill(): Promise<void> {
    if (this.hostFd === 0) return this.buffered.length || this.eof ? Promise.resolve() : this.fillFromStream();
    // Reads on fds 1 and 2 (sockets, or the terminal of fd 0) start only once the host says they will not block:
    // a thread-pool read waiting there for ever kept vkemu from exiting (libuv joins its threads at exit).
    if (this.host.pollFd(this.hostFd, POLLIN) === 0) {
      this.pending ??= new Promise<void>((resolve) => {
        this.hostReady ??= new HostReadiness(this.host, this.hostFd, EPOLLIN);
        const off = this.hostReady.watch(() => { off(); this.pending = undefined; resolve(); }, 'in');
      });
      return this.pending;
    }
    this.pending ??= new Promise<void>((resolve) => {
      const b = Buffer.alloc(65536);
      fs.read(this.hostFd, b, 0, b.length, null, (err, n) => {
        this.pending = undefined;
        if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.hostReady ??= new HostReadiness(this.host, this.hostFd, EPOLLIN);
          const off = this.hostReady.watch(() => { off(); resolve(); }, 'in');
          return;
        }
        if (err || n === 0) this.eof = true;
        else this.buffered.push(b.subarray(0, n));
        resolve();
        this.arrived();
      });
    });
    return this.pending;
  }

  private take(buf: Buffer): number {
    return takeChunks(this.buffered, buf);
  }

  read(buf: Buffer, _pos: number | null, _desc: OpenFile, nonblock: boolean): IoResult {
    if (buf.length === 0) return 0;
    if (this.kind === 'file') {
      try { return fs.readSync(this.hostFd, buf, 0, buf.length, null); } catch (e) { return -fromNodeError(e); }
    }
    if (this.buffered.length) return this.take(buf);
    if (this.eof) return 0;
    if (nonblock) {
      // Before Node's stream owns fd 0, input already waiting in the host's
      // pipe or terminal is read here: a vkernel polls its console this way
      // at mountroot> before anything else has read it.
      if (this.hostFd === 0 && !this.streaming && this.host.pollFd(0, POLLIN) > 0) {
        try {
          const n = fs.readSync(0, buf, 0, buf.length, null);
          if (n === 0) this.eof = true;
          return n;
        } catch (e) {
          return -fromNodeError(e);
        }
      }
      void this.fill();
      return -E.EAGAIN;
    }
    const loop = async (): Promise<number> => {
      while (!this.buffered.length && !this.eof) await this.fill();
      return this.take(buf);
    };
    return loop();
  }

  ready(dir: 'in' | 'out'): boolean {
    return dir === 'out' || this.readable();
  }

  watch(changed: () => void, dir?: Dir): () => void {
    if (dir === 'out' || this.kind === 'file') return () => {}; // always ready
    const entry = (): void => changed(); // subscribed twice, unsubscribed separately
    this.watchers.add(entry);
    this.readable(); // input only arrives once something reads
    return () => { this.watchers.delete(entry); };
  }

  edges(dir: Dir): number {
    return dir === 'in' ? this.arrivals : 0;
  }

  /** Whether a read would not block. */
  readable(): boolean {
    if (this.kind === 'file' || this.buffered.length || this.eof) return true;
    void this.fill();
    return false;
  }

  io(write: boolean, space: AddressSpace, addr: number, len: number): number | undefined {
    if (!write) return undefined; // terminal and pipe reads wait on the event loop
    for (let spins = 0; ;) {
      const n = space.fdIo(true, this.hostFd, addr, len, -1);
      if (n >= 0) return n;
      if (-n === os.constants.errno.EAGAIN && spins++ < 100000) continue;
      return -fromLinuxErrno(-n);
    }
  }

  write(buf: Buffer): IoResult {
    let off = 0;
    for (let spins = 0; off < buf.length;) {
      const n = this.host.hostIo(true, this.hostFd, off ? buf.subarray(off) : buf, -1);
      if (n >= 0) { off += n; continue; }
      // The host's stdout may be non-blocking (a pipe Node set up): retry.
      if (-n === os.constants.errno.EAGAIN && spins++ < 100000) continue;
      if (off > 0) return off;
      return -fromLinuxErrno(-n);
    }
    return off;
  }

  stat(): StatInfo | number {
    try { return statFromNode(fs.fstatSync(this.hostFd, { bigint: true })); } catch (e) { return -fromNodeError(e); }
  }

  ioctl(cmd: number, arg: number, t: GuestThread): number {
    const space = t.proc.space;
    switch (cmd >>> 0) {
      case TIOCGETA: {
        if (!this.isTty) return -E.ENOTTY;
        const lx = Buffer.alloc(LINUX_TERMIOS_SIZE);
        const r = this.host.ioctlBuf(this.hostFd, L_TCGETS, lx);
        if (r < 0) return -E.ENOTTY;
        return space.write(arg, linuxToDf(lx)) ? 0 : -E.EFAULT;
      }
      case TIOCSETA: case TIOCSETAW: case TIOCSETAF: {
        if (!this.isTty) return -E.ENOTTY;
        const df = space.read(arg, DF_TERMIOS_SIZE);
        if (!df) return -E.EFAULT;
        const cur = Buffer.alloc(LINUX_TERMIOS_SIZE);
        if (this.host.ioctlBuf(this.hostFd, L_TCGETS, cur) < 0) return -E.ENOTTY;
        this.savedTermios ??= Buffer.from(cur);
        const req = cmd >>> 0 === TIOCSETA ? L_TCSETS : cmd >>> 0 === TIOCSETAW ? L_TCSETSW : L_TCSETSF;
        return this.host.ioctlBuf(this.hostFd, req, dfToLinux(df, cur)) < 0 ? -E.EINVAL : 0;
      }
      case TIOCGWINSZ: {
        if (!this.isTty) return -E.ENOTTY;
        const ws = Buffer.alloc(8);
        if (this.host.ioctlBuf(this.hostFd, L_TIOCGWINSZ, ws) < 0) return -E.ENOTTY;
        return space.write(arg, ws) ? 0 : -E.EFAULT;
      }
      case TIOCSWINSZ: {
        if (!this.isTty) return -E.ENOTTY;
        const ws = space.read(arg, 8);
        if (!ws) return -E.EFAULT;
        return this.host.ioctlBuf(this.hostFd, L_TIOCSWINSZ, ws) < 0 ? -E.ENOTTY : 0;
      }
      case FIONREAD: {
        const b = Buffer.alloc(4);
        let n = this.buffered.reduce((a, x) => a + x.length, 0);
        if (this.host.ioctlBuf(this.hostFd, L_FIONREAD, b) === 0) n += b.readInt32LE(0);
        b.writeInt32LE(n, 0);
        return space.write(arg, b) ? 0 : -E.EFAULT;
      }
      case FIONBIO:
        return 0;
      case TIOCGPGRP: {
        if (!this.isTty) return -E.ENOTTY;
        const b = Buffer.alloc(4);
        b.writeInt32LE(this.terminal.foreground || t.proc.pgid, 0);
        return space.write(arg, b) ? 0 : -E.EFAULT;
      }
      case TIOCSCTTY: {
        // A session leader takes the terminal unless another live session has it (DragonFly's rule).
        if (!this.isTty) return -E.ENOTTY;
        const p = t.proc, owner = this.terminal.leader;
        const taken = owner !== undefined && owner.sid !== p.sid && owner.state === 'running';
        if (p.sid !== p.pid || taken) return -E.EPERM;
        this.terminal.leader = p;
        this.terminal.foreground = p.pgid;
        return 0;
      }
      case TIOCSPGRP: {
        if (!this.isTty) return -E.ENOTTY;
        const b = space.read(arg, 4);
        if (!b) return -E.EFAULT;
        const pg = b.readInt32LE(0);
        if (pg <= 0) return -E.EINVAL;
        this.terminal.foreground = pg;
        return 0;
      }
      default:
        return -E.ENOTTY;
    }
  }

  /** Put the terminal back as vkemu found it. */
  restore(): void {
    if (this.savedTermios) this.host.ioctlBuf(this.hostFd, L_TCSETSF, this.savedTermios);
    this.savedTermios = undefined;
  }

  close(): void { /* the host's stdio stays open */ }
}
