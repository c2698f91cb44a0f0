// Open file descriptions and the per-process descriptor table.
import type { GuestThread } from '../thread.js';
import { E } from '../abi/errno.js';
import type { AddressSpace } from '../../cpu/engine.js';

export interface StatInfo {
  ino: bigint; nlink: number; dev: number; mode: number; uid: number; gid: number; rdev: number;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint; size: bigint; blocks: bigint; blksize: number;
  /** BSD st_flags (chflags). */
  flags?: number;
}

export type IoResult = number | Promise<number>;

/** What a kind of open file can do; results are byte counts or -errno. */
export interface FileOps {
  readonly kind: 'file' | 'dir' | 'tty' | 'pipe' | 'dev' | 'socket' | 'kqueue';
  /** `pos` is an explicit offset, or null for the description's position. */
  read(buf: Buffer, pos: number | null, desc: OpenFile, nonblock: boolean): IoResult;
  write(buf: Buffer, pos: number | null, desc: OpenFile, nonblock: boolean): IoResult;
  stat(): StatInfo | number;
  /** Host descriptor behind this file, for mmap and flock. */
  readonly hostFd?: number;
  /** Host path, for fchdir and directory reads. */
  readonly hostPath?: string;
  seekable?: boolean;
  ioctl?(cmd: number, arg: number, t: GuestThread): number;
  truncate?(len: number): number;
  /**
   * Zero-copy I/O straight between guest memory and the host (the hot path of
   * read/write); undefined: use read/write with a buffer instead.
   */
  io?(write: boolean, space: AddressSpace, addr: number, len: number, pos: number | null, desc: OpenFile): number | undefined;
  /** Whether a read ('in') or write ('out') would not block; files without it are always ready. */
  ready?(dir: 'in' | 'out'): boolean;
  /**
   * Call `changed` whenever readiness may have changed (in `dir` only, when given; files may call it more
   * often); returns the unsubscriber. Files without it are polled.
   */
  watch?(changed: () => void, dir?: 'in' | 'out'): () => void;
  /** Host-backed files: readiness edges seen so far in `dir` (new input, room freed); re-arms EV_CLEAR and SIGIO. */
  edges?(dir: 'in' | 'out'): number;
  sync?(): number;
  close(): void;
}

export class OpenFile {
  refs = 1;
  pos = 0;
  /** Directory reading: entries not yet returned. */
  dirCursor = 0;
  /** How often an operation on it would have blocked (EAGAIN): re-arms EV_CLEAR knotes. */
  eagains = 0;
  /** The record-lock key (dev:ino) once a process locked through this file. */
  lockKey: string | undefined = undefined;
  /** F_SETOWN: the pid (or -pgid) that gets SIGIO under O_ASYNC. */
  owner = 0;
  constructor(readonly ops: FileOps, public flags: number) {}
  ref(): this {
    this.refs++;
    return this;
  }
  unref(): void {
    if (--this.refs === 0) this.ops.close();
  }
}

export interface FdEntry { file: OpenFile; cloexec: boolean }

export class FdTable {
  private fds: (FdEntry | undefined)[] = [];
  /** Called with every file a close removes (POSIX: closing drops the process's record locks). */
  onClose: ((file: OpenFile) => void) | undefined;
  /** The processes using the table: more than one after rfork without RFFDG (DragonFly's fdshare). */
  readonly users = new Set<number>();
  constructor(public limit = 4096) {}

  get(fd: number): FdEntry | undefined {
    return fd >= 0 && fd < this.fds.length ? this.fds[fd] : undefined;
  }
  /** Lowest free descriptor >= min, or -EMFILE. */
  alloc(file: OpenFile, cloexec = false, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.fds[fd]) {
        this.fds[fd] = { file, cloexec };
        return fd;
      }
    }
    return -E.EMFILE;
  }
  /** Install at exactly fd, closing what was there. */
  put(fd: number, file: OpenFile, cloexec = false): number {
    if (fd < 0 || fd >= this.limit) return -E.EBADF;
    const old = this.fds[fd];
    if (old) {
      this.onClose?.(old.file);
      old.file.unref();
    }
    this.fds[fd] = { file, cloexec };
    return fd;
  }
  close(fd: number): number {
    const e = this.get(fd);
    if (!e) return -E.EBADF;
    this.fds[fd] = undefined;
    this.onClose?.(e.file);
    e.file.unref();
    return 0;
  }
  closeFrom(min: number): void {
    for (let fd = min; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
  }
  closeOnExec(): void {
    this.fds.forEach((e, fd) => { if (e?.cloexec) this.close(fd); });
  }
  clone(): FdTable {
    const t = new FdTable(this.limit);
    t.fds = this.fds.map((e) => (e ? { file: e.file.ref(), cloexec: e.cloexec } : undefined));
    return t;
  }
  closeAll(): void {
    this.closeFrom(0);
  }
  count(): number {
    return this.fds.filter(Boolean).length;
  }
  /** The open files behind the descriptors (one per descriptor: dup'ed files come more than once). */
  *files(): IterableIterator<OpenFile> {
    for (const e of this.fds) if (e) yield e.file;
  }
}
