// vFile: gdb's host I/O, so that gdb reads the program, its interpreter and
// shared objects by their guest paths; they resolve under -L like the
// guest's own opens. Read-only: open, pread, fstat, readlink, close.
import fs from 'node:fs';
import type { Machine } from '../vm/machine.js';

// gdb's File-I/O errno values (gdb/gdbsupport/fileio.h).
const EBADF = 9, EACCES = 13, ENOENT = 2, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSYS = 88, EUNKNOWN = 9999;
const ERRNO: Record<string, number> = { ENOENT, EACCES, EPERM: 1, EBADF, ENOTDIR, EISDIR, EINVAL, ENAMETOOLONG: 91, EMFILE: 24 };

const MAX_FILES = 64;

export class HostIo {
  private files = new Map<number, number>();
  private next = 1;

  constructor(private readonly machine: Machine) {}

  /** Handle `vFile:op:args`; the reply payload (binary-safe). */
  handle(op: string, args: string): Buffer | string {
    try {
      switch (op) {
        case 'setfs': return 'F0';
        case 'open': return this.open(args);
        case 'close': return this.close(args);
        case 'pread': return this.pread(args);
        case 'fstat': return this.fstat(args);
        case 'readlink': return this.readlink(args);
        default: return `F-1,${ENOSYS}`;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return `F-1,${(code && ERRNO[code]) ?? EUNKNOWN}`;
    }
  }

  closeAll(): void {
    for (const fd of this.files.values()) fs.closeSync(fd);
    this.files.clear();
  }

  private path(hex: string): string | null {
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return null;
    const guest = Buffer.from(hex, 'hex').toString('utf8');
    return this.machine.resolvePath(this.machine.init, guest, true);
  }

  private open(args: string): string {
    const [hex, flags] = args.split(',');
    const p = this.path(hex ?? '');
    if (!p) return `F-1,${EINVAL}`;
    if ((parseInt(flags ?? '0', 16) & 3) !== 0) return `F-1,${EACCES}`; // read-only
    if (this.files.size >= MAX_FILES) return `F-1,24`;
    const fd = fs.openSync(p, 'r');
    const id = this.next++;
    this.files.set(id, fd);
    return `F${id.toString(16)}`;
  }

  private close(args: string): string {
    const id = parseInt(args, 16);
    const fd = this.files.get(id);
    if (fd === undefined) return `F-1,${EBADF}`;
    fs.closeSync(fd);
    this.files.delete(id);
    return 'F0';
  }

  private pread(args: string): Buffer | string {
    const [a, b, c] = args.split(',').map((x) => parseInt(x, 16));
    const fd = this.files.get(a);
    if (fd === undefined) return `F-1,${EBADF}`;
    if (!(b >= 0) || !(c >= 0)) return `F-1,${EINVAL}`;
    const buf = Buffer.alloc(Math.min(b, 0x3000));
    const n = fs.readSync(fd, buf, 0, buf.length, c);
    return Buffer.concat([Buffer.from(`F${n.toString(16)};`), buf.subarray(0, n)]);
  }

  private fstat(args: string): Buffer | string {
    const fd = this.files.get(parseInt(args, 16));
    if (fd === undefined) return `F-1,${EBADF}`;
    const st = fs.fstatSync(fd);
    // gdb's struct stat for File-I/O: big-endian, 64 bytes.
    const b = Buffer.alloc(64);
    b.writeUInt32BE(st.dev >>> 0, 0);
    b.writeUInt32BE(st.ino >>> 0, 4);
    b.writeUInt32BE(st.mode >>> 0, 8);
    b.writeUInt32BE(st.nlink >>> 0, 12);
    b.writeUInt32BE(st.uid >>> 0, 16);
    b.writeUInt32BE(st.gid >>> 0, 20);
    b.writeUInt32BE(st.rdev >>> 0, 24);
    b.writeBigUInt64BE(BigInt(st.size), 28);
    b.writeBigUInt64BE(BigInt(st.blksize), 36);
    b.writeBigUInt64BE(BigInt(st.blocks), 44);
    b.writeUInt32BE(Math.floor(st.atimeMs / 1000) >>> 0, 52);
    b.writeUInt32BE(Math.floor(st.mtimeMs / 1000) >>> 0, 56);
    b.writeUInt32BE(Math.floor(st.ctimeMs / 1000) >>> 0, 60);
    return Buffer.concat([Buffer.from('F40;'), b]);
  }

  private readlink(args: string): Buffer | string {
    const p = this.path(args);
    if (!p) return `F-1,${EINVAL}`;
    const target = Buffer.from(fs.readlinkSync(p));
    return Buffer.concat([Buffer.from(`F${target.length.toString(16)};`), target]);
  }
}
