// A read-only UFS1 reader (the DragonFly FFS format, sys/vfs/ufs/{fs,dinode,dir}.h). Inodes are found
// by arithmetic from the superblock (ino_to_fsba), so cylinder groups are never read. Layout notes and
// the offsets used here are in docs/IMAGES.md.
import { ToolError } from './errors.js';
import { type Entry, type ImageFile, type ImageFs, S_IFDIR, S_IFLNK, S_IFMT } from './imagefs.js';

export const SBOFF = 8192;
export const FS_MAGIC = 0x011954;
const SBSIZE = 8192;
const DINODE_SIZE = 128;
const NDADDR = 12;
const NIADDR = 3;
const DIRBLKSIZ = 512;
const ROOTINO = 2;

export interface Superblock {
  iblkno: number;
  cgoffset: number;
  cgmask: number;
  size: number;
  ncg: number;
  bsize: number;
  fsize: number;
  frag: number;
  nindir: number;
  inopb: number;
  ipg: number;
  fpg: number;
  maxsymlinklen: number;
  inodefmt: number;
  volname: string;
}

interface Dinode {
  mode: number;
  nlink: number;
  size: number;
  mtime: number;
  db: number[];
  ib: number[];
  uid: number;
  gid: number;
  raw: Buffer;
}

/** True when `sb` (8192 bytes from partition offset + SBOFF) carries the FFS magic. */
export function hasUfsMagic(sb: Buffer): boolean {
  return sb.length >= 1376 && sb.readInt32LE(1372) === FS_MAGIC;
}

export function parseSuperblock(sb: Buffer, where: string): Superblock {
  if (!hasUfsMagic(sb)) throw new ToolError(`${where}: no UFS superblock (magic 0x011954) at byte ${SBOFF} of the partition`);
  const i = (o: number): number => sb.readInt32LE(o);
  const s: Superblock = {
    iblkno: i(16), cgoffset: i(24), cgmask: i(28), size: i(36), ncg: i(44), bsize: i(48), fsize: i(52),
    frag: i(56), nindir: i(116), inopb: i(120), ipg: i(184), fpg: i(188), maxsymlinklen: i(1320),
    inodefmt: i(1324), volname: sb.toString('latin1', 680, 712).replace(/\0.*$/s, ''),
  };
  const pow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
  const bad = (what: string): never => { throw new ToolError(`${where}: corrupt UFS1 superblock: ${what}`); };
  if (!pow2(s.bsize) || s.bsize < 4096 || s.bsize > 65536) bad(`block size ${s.bsize}`);
  if (!pow2(s.fsize) || s.fsize < 512 || s.fsize > s.bsize || s.frag !== s.bsize / s.fsize) bad(`fragment size ${s.fsize}`);
  if (s.inopb !== s.bsize / DINODE_SIZE) bad(`${s.inopb} inodes per block (this reader handles UFS1's 128-byte inodes only)`);
  if (s.nindir !== s.bsize / 4) bad(`${s.nindir} pointers per indirect block (UFS2?)`);
  if (s.ncg <= 0 || s.ipg <= 0 || s.fpg <= 0 || s.size <= 0 || s.iblkno < 0) bad('cylinder group geometry');
  if (s.inodefmt !== 2) bad(`inode format ${s.inodefmt} (only the 4.4BSD format is read)`);
  return s;
}

export class Ufs1 implements ImageFs {
  readonly format = 'UFS1';
  readonly sb: Superblock;
  private readonly where: string;
  private readonly indirect = new Map<number, Int32Array>();

  /** `offset` is the partition's byte offset in the image, `limit` its size (or the file's end). */
  constructor(private readonly img: ImageFile, private readonly offset: number, limit: number, label: string) {
    this.where = `${img.path} (${label})`;
    this.sb = parseSuperblock(img.read(offset + SBOFF, SBSIZE), this.where);
    const fsBytes = this.sb.size * this.sb.fsize;
    if (fsBytes > limit) {
      throw new ToolError(`${this.where}: the UFS1 file system is ${fsBytes} bytes, larger than its partition (${limit} bytes)`);
    }
    const s = this.sb;
    if (s.fpg * (s.ncg - 1) + s.iblkno + Math.ceil(s.ipg / s.inopb) * s.frag > s.size) {
      throw new ToolError(`${this.where}: corrupt UFS1 superblock: the inode tables of ${s.ncg} cylinder groups do not fit in ${s.size} fragments`);
    }
    if (offset + fsBytes > img.size) {
      throw new ToolError(`${img.path}: truncated image: the file system ends at byte ${offset + fsBytes} but the file has ${img.size} bytes`);
    }
  }

  root(): Entry {
    return this.entry('/', ROOTINO);
  }

  readdir(dir: Entry): Entry[] {
    const d = this.inode(dir.id);
    if ((d.mode & S_IFMT) !== S_IFDIR) throw new ToolError(`${this.where}: inode ${dir.id} is not a directory`);
    const data = this.readAll(dir.id, d);
    const out: Entry[] = [];
    for (let base = 0; base + DIRBLKSIZ <= data.length; base += DIRBLKSIZ) {
      let o = base;
      while (o < base + DIRBLKSIZ) {
        const ino = data.readUInt32LE(o);
        const reclen = data.readUInt16LE(o + 4);
        const namlen = data[o + 7];
        if (reclen < 8 || reclen % 4 !== 0 || o + reclen > base + DIRBLKSIZ || 8 + namlen > reclen) {
          throw new ToolError(`${this.where}: corrupt directory (inode ${dir.id}) at byte ${o}`);
        }
        const name = data.toString('utf8', o + 8, o + 8 + namlen);
        if (ino !== 0 && name !== '.' && name !== '..') out.push(this.entry(name, ino));
        o += reclen;
      }
    }
    return out;
  }

  readlink(link: Entry): string {
    const d = this.inode(link.id);
    if ((d.mode & S_IFMT) !== S_IFLNK) throw new ToolError(`${this.where}: inode ${link.id} is not a symbolic link`);
    // Short targets live in the block pointer area (di_db/di_ib, bytes 40..99) instead of a data block.
    if (d.size < this.sb.maxsymlinklen) return d.raw.toString('utf8', 40, 40 + d.size);
    return this.readAll(link.id, d).toString('utf8');
  }

  *chunks(file: Entry): Iterable<Buffer> {
    const d = this.inode(file.id);
    const { bsize } = this.sb;
    for (let lbn = 0, left = d.size; left > 0; lbn++, left -= bsize) {
      const len = Math.min(bsize, left);
      const frag = this.bmap(d, lbn, file.id);
      yield frag === 0 ? Buffer.alloc(len) : this.img.read(this.offset + frag * this.sb.fsize, len);
    }
  }

  private readAll(ino: number, d: Dinode): Buffer {
    if (d.size > 256 * 2 ** 20) throw new ToolError(`${this.where}: inode ${ino}: implausible size ${d.size} for a directory or link`);
    return Buffer.concat([...this.chunks({ ...this.entry('', ino, d) })]);
  }

  private entry(name: string, ino: number, d: Dinode = this.inode(ino)): Entry {
    return { name, id: ino, mode: d.mode, nlink: d.nlink, uid: d.uid, gid: d.gid, size: d.size, mtime: d.mtime };
  }

  /** ino_to_fsba / ino_to_fsbo of sys/vfs/ufs/fs.h. */
  inodeOffset(ino: number): number {
    const s = this.sb;
    const cg = Math.floor(ino / s.ipg);
    const cgstart = s.fpg * cg + s.cgoffset * (cg & ~s.cgmask);
    const fsba = cgstart + s.iblkno + Math.floor((ino % s.ipg) / s.inopb) * s.frag;
    return this.offset + fsba * s.fsize + (ino % s.inopb) * DINODE_SIZE;
  }

  private inode(ino: number): Dinode {
    if (ino < ROOTINO || ino >= this.sb.ipg * this.sb.ncg) throw new ToolError(`${this.where}: inode number ${ino} out of range`);
    const r = this.img.read(this.inodeOffset(ino), DINODE_SIZE);
    const size = Number(r.readBigUInt64LE(8));
    if (!Number.isSafeInteger(size)) throw new ToolError(`${this.where}: inode ${ino}: bad size`);
    const db: number[] = [];
    for (let i = 0; i < NDADDR; i++) db.push(r.readInt32LE(40 + 4 * i));
    const ib: number[] = [];
    for (let i = 0; i < NIADDR; i++) ib.push(r.readInt32LE(88 + 4 * i));
    return { mode: r.readUInt16LE(0), nlink: r.readInt16LE(2), size, mtime: r.readUInt32LE(24) + r.readUInt16LE(122) * 2 ** 32,
      db, ib, uid: r.readUInt32LE(112), gid: r.readUInt32LE(116), raw: r };
  }

  /** Logical block -> fragment number (0 = hole), through up to three levels of indirect blocks. */
  private bmap(d: Dinode, lbn: number, ino: number): number {
    if (lbn < NDADDR) return this.checkFrag(d.db[lbn], ino);
    let rel = lbn - NDADDR;
    const n = this.sb.nindir;
    for (let level = 0, span = n; level < NIADDR; level++, span *= n) {
      if (rel < span) {
        let blk = d.ib[level];
        for (let per = span / n; ; per /= n) {
          if (this.checkFrag(blk, ino) === 0) return 0;
          blk = this.indirectBlock(blk)[Math.floor(rel / per)];
          rel %= per;
          if (per === 1) return this.checkFrag(blk, ino);
        }
      }
      rel -= span;
    }
    throw new ToolError(`${this.where}: inode ${ino}: block ${lbn} is beyond what UFS1 can address`);
  }

  private checkFrag(frag: number, ino: number): number {
    if (frag < 0 || frag >= this.sb.size) throw new ToolError(`${this.where}: inode ${ino}: block address ${frag} outside the file system`);
    return frag;
  }

  private indirectBlock(frag: number): Int32Array {
    let t = this.indirect.get(frag);
    if (!t) {
      const b = this.img.read(this.offset + frag * this.sb.fsize, this.sb.bsize);
      t = new Int32Array(b.buffer, b.byteOffset, b.length / 4);
      if (this.indirect.size >= 64) this.indirect.delete(this.indirect.keys().next().value as number);
      this.indirect.set(frag, t);
    }
    return t;
  }
}
