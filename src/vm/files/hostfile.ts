// Files, directories and devices of the Linux host, opened on the guest's behalf.
import fs from 'node:fs';
import { flagsOf, type FlagsTarget } from './bsdflags.js';
import { E, fromLinuxErrno, fromNodeError } from '../abi/errno.js';
import type { AddressSpace } from '../../cpu/engine.js';
import type { HostOs } from '../../host/hostos.js';
import type { FileOps, IoResult, OpenFile, StatInfo } from './file.js';

/** A guest's stat of a host file; st_flags are read from `where` (a FIFO's come from nowhere: 0). */
export function statFromNode(st: fs.BigIntStats, host?: HostOs, where?: FlagsTarget): StatInfo {
  return {
    ino: st.ino, nlink: Number(st.nlink), dev: Number(st.dev & 0xffffffffn), mode: Number(st.mode),
    uid: Number(st.uid), gid: Number(st.gid), rdev: Number(st.rdev & 0xffffffffn),
    atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, size: st.size,
    blocks: st.blocks, blksize: Number(st.blksize), flags: host && where ? flagsOf(host, st, where) : 0,
  };
}

function guard(fn: () => number): number {
  try {
    return fn();
  } catch (err) {
    return -fromNodeError(err);
  }
}

/**
 * Linux's memory devices whose reads and writes never block: null, zero, full, random (which blocks
 * only until the host's pool is first initialised), urandom. Not mem, kmem, port or kmsg.
 */
const MEM_MAJOR = 1, NEVER_BLOCKING_MEM = new Set([3, 5, 7, 8, 9]);

function neverBlockingDevice(st: fs.BigIntStats): boolean {
  if (!st.isCharacterDevice()) return false;
  const rdev = Number(st.rdev & 0xffffffffn);
  const major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 12) & ~0xfff), minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return major === MEM_MAJOR && NEVER_BLOCKING_MEM.has(minor);
}

/** A regular file or character device of the host, read and written synchronously. */
export class HostFile implements FileOps {
  readonly kind: 'file' | 'dev';
  readonly seekable: boolean;
  /** Regular files and the memory devices: the engine may serve their I/O (hookfiles.ts); not ttys and the like. */
  readonly hookable: boolean;
  constructor(readonly hostFd: number, readonly hostPath: string, st: fs.BigIntStats, private host: HostOs) {
    this.kind = st.isFile() ? 'file' : 'dev';
    this.seekable = st.isFile() || st.isBlockDevice();
    this.hookable = st.isFile() || neverBlockingDevice(st);
  }
  io(write: boolean, space: AddressSpace, addr: number, len: number, pos: number | null, desc: OpenFile): number {
    let at = pos ?? (this.seekable ? desc.pos : -1);
    if (write && pos === null && this.seekable && desc.flags & 0x8 /* O_APPEND */) {
      at = Number(fs.fstatSync(this.hostFd, { bigint: true }).size);
    }
    const n = space.fdIo(write, this.hostFd, addr, len, at);
    if (n < 0) return -fromLinuxErrno(-n);
    if (pos === null && this.seekable) desc.pos = at + n;
    return n;
  }
  read(buf: Buffer, pos: number | null, desc: OpenFile): IoResult {
    const at = pos ?? (this.seekable ? desc.pos : -1);
    const n = this.host.hostIo(false, this.hostFd, buf, at);
    if (n < 0) return -fromLinuxErrno(-n);
    if (pos === null && this.seekable) desc.pos += n;
    return n;
  }
  write(buf: Buffer, pos: number | null, desc: OpenFile): IoResult {
    let at = pos ?? (this.seekable ? desc.pos : -1);
    if (pos === null && this.seekable && desc.flags & 0x8 /* O_APPEND */) {
      at = Number(fs.fstatSync(this.hostFd, { bigint: true }).size);
    }
    const n = this.host.hostIo(true, this.hostFd, buf, at);
    if (n < 0) return -fromLinuxErrno(-n);
    if (pos === null && this.seekable) desc.pos = at + n;
    return n;
  }
  stat(): StatInfo | number {
    try {
      return statFromNode(fs.fstatSync(this.hostFd, { bigint: true }), this.host, { fd: this.hostFd });
    } catch (err) {
      return -fromNodeError(err);
    }
  }
  /** Regular files and the devices opened here are always ready: nothing ever changes. */
  watch(): () => void {
    return () => {};
  }
  truncate(len: number): number {
    return guard(() => { fs.ftruncateSync(this.hostFd, len); return 0; });
  }
  sync(): number {
    return guard(() => { fs.fsyncSync(this.hostFd); return 0; });
  }
  close(): void {
    try { fs.closeSync(this.hostFd); } catch { /* already gone */ }
  }
}

/** A host directory: listed by path, held open for fstat and fchdir. */
export class HostDir implements FileOps {
  readonly kind = 'dir';
  readonly seekable = true;
  entries: { name: string; ino: bigint; type: number }[] | undefined;
  constructor(readonly hostFd: number, readonly hostPath: string, private host: HostOs) {}
  read(): IoResult { return -E.EISDIR; }
  write(): IoResult { return -E.EISDIR; }
  stat(): StatInfo | number {
    try {
      return statFromNode(fs.fstatSync(this.hostFd, { bigint: true }), this.host, { fd: this.hostFd });
    } catch (err) {
      return -fromNodeError(err);
    }
  }
  /** Directory entries including . and .., read once per open. */
  list(): { name: string; ino: bigint; type: number }[] {
    if (this.entries) return this.entries;
    const out: { name: string; ino: bigint; type: number }[] = [];
    // Through the descriptor: the directory may have moved since it was opened.
    const dir = `/proc/self/fd/${this.hostFd}`;
    const self = fs.fstatSync(this.hostFd, { bigint: true });
    out.push({ name: '.', ino: self.ino, type: 4 });
    let parentIno = self.ino;
    try { parentIno = fs.statSync(dir + '/..', { bigint: true }).ino; } catch { /* root */ }
    out.push({ name: '..', ino: parentIno, type: 4 });
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      let ino = 0n;
      try { ino = fs.lstatSync(`${dir}/${d.name}`, { bigint: true }).ino; } catch { continue; }
      const type = d.isFile() ? 8 : d.isDirectory() ? 4 : d.isSymbolicLink() ? 10 : d.isFIFO() ? 1
        : d.isSocket() ? 12 : d.isCharacterDevice() ? 2 : d.isBlockDevice() ? 6 : 0;
      out.push({ name: d.name, ino, type });
    }
    this.entries = out;
    return out;
  }
  close(): void {
    try { fs.closeSync(this.hostFd); } catch { /* already gone */ }
  }
}
