// What `img ls` and `img extract` need from a file system inside an image, whatever its format.
import fs from 'node:fs';
import { ToolError } from './errors.js';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface Entry {
  /** Name within its directory ("/" for the root). */
  name: string;
  /** Reader-specific handle: an inode number, or an index into the reader's table. */
  id: number;
  /** st_mode: file type and permission bits. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
}

export interface ImageFs {
  /** "UFS1" or "ISO 9660": for messages. */
  readonly format: string;
  root(): Entry;
  /** Entries of a directory, without "." and "..". */
  readdir(dir: Entry): Entry[];
  readlink(link: Entry): string;
  /** The file's bytes in order, in pieces; a piece may be all zeros where the file has a hole. */
  chunks(file: Entry): Iterable<Buffer>;
}

export function isDir(e: Entry): boolean { return (e.mode & S_IFMT) === S_IFDIR; }
export function isLink(e: Entry): boolean { return (e.mode & S_IFMT) === S_IFLNK; }
export function isFile(e: Entry): boolean { return (e.mode & S_IFMT) === S_IFREG; }

/** Resolves a path inside the image. Symlinks in the middle are followed (inside the image, at most
 *  32 of them); the last component is not, as lstat would. */
export function lookup(ifs: ImageFs, image: string, path: string, followLast = false): Entry {
  let hops = 0;
  const stack = [ifs.root()];
  const parts = path.split('/').filter((s) => s !== '' && s !== '.');
  while (parts.length > 0) {
    const part = parts.shift() as string;
    const cur = stack[stack.length - 1];
    if (part === '..') { if (stack.length > 1) stack.pop(); continue; }
    if (!isDir(cur)) throw new ToolError(`${image}: ${path}: ${cur.name} is not a directory`);
    const next = ifs.readdir(cur).find((e) => e.name === part) ?? matchPlain(ifs, cur, part);
    if (!next) throw new ToolError(`${image}: ${path}: no such file or directory in the image`);
    if (isLink(next) && (parts.length > 0 || followLast)) {
      if (++hops > 32) throw new ToolError(`${image}: ${path}: too many levels of symbolic links`);
      const target = ifs.readlink(next);
      if (target.startsWith('/')) stack.length = 1;
      parts.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
      continue;
    }
    stack.push(next);
  }
  return stack[stack.length - 1];
}

/** ISO 9660 without Rock Ridge has upper-case names; let "sbin/init" find "SBIN/INIT". */
function matchPlain(ifs: ImageFs, dir: Entry, part: string): Entry | undefined {
  if (ifs.format !== 'ISO 9660') return undefined;
  const want = part.toUpperCase();
  return ifs.readdir(dir).find((e) => e.name.toUpperCase() === want);
}

/** Reads from an image file at absolute positions, with errors naming the image. */
export class ImageFile {
  readonly size: number;
  constructor(readonly path: string, readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }

  read(pos: number, len: number): Buffer {
    if (pos < 0 || pos + len > this.size) {
      throw new ToolError(`${this.path}: truncated image: needs bytes ${pos}..${pos + len - 1} but the file has ${this.size}`);
    }
    const b = Buffer.alloc(len);
    let done = 0;
    while (done < len) {
      const n = fs.readSync(this.fd, b, done, len - done, pos + done);
      if (n === 0) throw new ToolError(`${this.path}: unexpected end of file at byte ${pos + done}`);
      done += n;
    }
    return b;
  }
}
