// Open file descriptions and the per-process descriptor table.
import type { GuestThread } from '../thread.js';
import { E } from '../abi/errno.js';
import type { AddressSpace } from '../../cpu/engine.js';
import { HOOK_APPEND, HOOK_READ, HOOK_SEEKABLE, HOOK_WRITE, type HookFiles } from './hookfiles.js';

const O_WRONLY = 1, O_RDONLY = 0, O_ACCMODE = 3, O_APPEND = 0x8;

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
  /**
   * The engine may serve its read, write and lseek itself (hookfiles.ts): I/O on hostFd that never
   * blocks and needs nothing of TypeScript but the position (regular files, memory devices).
   */
  readonly hookable?: boolean;
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
  private posHere = 0;
  private flagsHere: number;
  /** While the engine may serve it: its slot in the engine's descriptions, where the position lives. */
  private hook: { files: HookFiles; slot: number } | undefined;
  /** Directory reading: entries not yet returned. */
  dirCursor = 0;
  /** How often an operation on it would have blocked (EAGAIN): re-arms EV_CLEAR knotes. */
  eagains = 0;
  /** The record-lock key (dev:ino) once a process locked through this file. */
  lockKey: string | undefined = undefined;
  /** F_SETOWN: the pid (or -pgid) that gets SIGIO under O_ASYNC. */
  owner = 0;
  constructor(readonly ops: FileOps, flags: number) {
    this.flagsHere = flags;
  }
  get pos(): number {
    return this.hook ? this.hook.files.pos(this.hook.slot) : this.posHere;
  }
  set pos(v: number) {
    if (this.hook) this.hook.files.setPos(this.hook.slot, v);
    else this.posHere = v;
  }
  get flags(): number {
    return this.flagsHere;
  }
  /** F_SETFL: the engine sees O_APPEND come and go at once. */
  set flags(v: number) {
    this.flagsHere = v;
    if (this.hook) this.hook.files.setFlags(this.hook.slot, this.hookFlags());
  }
  get hooked(): boolean {
    return this.hook !== undefined;
  }
  /** Its slot in `files` (made at the first call), or 0 when the engine may not serve it. */
  hookSlot(files: HookFiles): number {
    if (this.hook) return this.hook.slot;
    if (!this.ops.hookable || this.ops.hostFd === undefined || this.refs <= 0) return 0;
    this.hook = { files, slot: files.alloc(this.ops.hostFd, this.hookFlags(), this.posHere) };
    return this.hook.slot;
  }
  private hookFlags(): number {
    const acc = this.flagsHere & O_ACCMODE;
    return (acc !== O_WRONLY ? HOOK_READ : 0) | (acc !== O_RDONLY ? HOOK_WRITE : 0)
      | (this.flagsHere & O_APPEND ? HOOK_APPEND : 0) | (this.ops.seekable ? HOOK_SEEKABLE : 0);
  }
  ref(): this {
    this.refs++;
    return this;
  }
  unref(): void {
    if (--this.refs !== 0) return;
    if (this.hook) {
      // Before the host descriptor closes: the engine must not use its number again.
      this.posHere = this.pos;
      this.hook.files.release(this.hook.slot);
      this.hook = undefined;
    }
    this.ops.close();
  }
}

export interface FdEntry { file: OpenFile; cloexec: boolean }

export class FdTable {
  private fds: (FdEntry | undefined)[] = [];
  /** Its number in the engine's descriptor mirror (hookfiles.ts), what Reg.FILES holds; 0: none. */
  hookTable = 0;
  /** Called with every file a close removes (POSIX: closing drops the process's record locks). */
  onClose: ((file: OpenFile) => void) | undefined;
  /** The processes using the table: more than one after rfork without RFFDG (DragonFly's fdshare). */
  readonly users = new Set<number>();
  /** hook: the engine's descriptor mirror, told of every change (files it may serve). */
  constructor(public limit = 4096, readonly hook?: HookFiles) {
    if (hook) this.hookTable = hook.newTable();
  }

  /** Tell the engine that fd now holds `file` (or nothing) instead of `old`. */
  private mirror(fd: number, old: OpenFile | undefined, file: OpenFile | undefined): void {
    if (!this.hookTable) return;
    const slot = file ? file.hookSlot(this.hook!) : 0;
    if (slot !== 0 || old?.hooked) this.hook!.set(this.hookTable, fd, slot);
  }

  get(fd: number): FdEntry | undefined {
    return fd >= 0 && fd < this.fds.length ? this.fds[fd] : undefined;
  }
  /** Lowest free descriptor >= min, or -EMFILE. */
  alloc(file: OpenFile, cloexec = false, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.fds[fd]) {
        this.fds[fd] = { file, cloexec };
        this.mirror(fd, undefined, file);
        return fd;
      }
    }
    return -E.EMFILE;
  }
  /** Install at exactly fd, closing what was there. */
  put(fd: number, file: OpenFile, cloexec = false): number {
    if (fd < 0 || fd >= this.limit) return -E.EBADF;
    const old = this.fds[fd];
    this.fds[fd] = { file, cloexec };
    this.mirror(fd, old?.file, file);
    if (old) {
      this.onClose?.(old.file);
      old.file.unref();
    }
    return fd;
  }
  close(fd: number): number {
    const e = this.get(fd);
    if (!e) return -E.EBADF;
    this.fds[fd] = undefined;
    this.mirror(fd, e.file, undefined);
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
    const t = new FdTable(this.limit, this.hook);
    t.fds = this.fds.map((e) => (e ? { file: e.file.ref(), cloexec: e.cloexec } : undefined));
    t.fds.forEach((e, fd) => { if (e) t.mirror(fd, undefined, e.file); });
    return t;
  }
  closeAll(): void {
    this.closeFrom(0);
  }
  /** No process uses the table any more: its descriptors close and the engine forgets it. */
  release(): void {
    this.closeAll();
    if (this.hookTable) this.hook!.freeTable(this.hookTable);
    this.hookTable = 0;
  }
  count(): number {
    return this.fds.filter(Boolean).length;
  }
  /** The open files behind the descriptors (one per descriptor: dup'ed files come more than once). */
  *files(): IterableIterator<OpenFile> {
    for (const e of this.fds) if (e) yield e.file;
  }
}
