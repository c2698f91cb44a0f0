// `vkemu img ls` and `vkemu img extract`: read files out of an image without a guest.
import fs from 'node:fs';
import path from 'node:path';
import { ToolError, usageError } from './errors.js';
import { type Entry, type ImageFs, isDir, isFile, isLink, lookup, S_IFMT } from './imagefs.js';
import { openImage } from './open.js';

const TYPE_CHAR: Record<number, string> = {
  0o040000: 'd', 0o100000: '-', 0o120000: 'l', 0o020000: 'c', 0o060000: 'b', 0o010000: 'p', 0o140000: 's',
};

export function modeString(mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string): string =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? (special ? ch : 'x') : (special ? ch.toUpperCase() : '-'));
  return (TYPE_CHAR[mode & S_IFMT] ?? '?') + rwx(mode >> 6, (mode & 0o4000) !== 0, 's') +
    rwx(mode >> 3, (mode & 0o2000) !== 0, 's') + rwx(mode, (mode & 0o1000) !== 0, 't');
}

/** One `ls -l` line; times in UTC so listings do not depend on the host's zone. */
export function lsLine(ifs: ImageFs, e: Entry): string {
  const t = new Date(e.mtime * 1000).toISOString();
  const when = `${t.slice(0, 10)} ${t.slice(11, 16)}`;
  const target = isLink(e) ? ` -> ${ifs.readlink(e)}` : '';
  return `${modeString(e.mode)} ${String(e.nlink).padStart(3)} ${String(e.uid).padStart(5)} ${String(e.gid).padStart(5)} ` +
    `${String(e.size).padStart(12)} ${when} ${e.name}${target}`;
}

export function imgLs(image: string, inside: string, out: (s: string) => void): void {
  const img = openImage(image);
  try {
    const e = lookup(img.fs, image, inside);
    if (isDir(e)) {
      const list = img.fs.readdir(e).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of list) out(lsLine(img.fs, c) + '\n');
    } else {
      out(lsLine(img.fs, { ...e, name: inside }) + '\n');
    }
  } finally {
    img.close();
  }
}

export interface ExtractStats { files: number; dirs: number; links: number; bytes: number; skipped: number }

export function imgExtract(image: string, inside: string, dest: string | undefined, warn: (s: string) => void): ExtractStats {
  const img = openImage(image);
  try {
    if (dest === '-') {
      const f = lookup(img.fs, image, inside, true);
      if (!isFile(f)) throw new ToolError(`${image}: ${inside}: only a regular file can go to standard output`);
      for (const b of img.fs.chunks(f)) writeAll(1, b, undefined);
      return { files: 1, dirs: 0, links: 0, bytes: f.size, skipped: 0 };
    }
    const e = lookup(img.fs, image, inside);
    const base = e.name === '/' ? undefined : e.name;
    let target = dest ?? base;
    if (target === undefined) throw usageError('img extract: extracting the whole image (/) needs a DEST directory');
    if (base !== undefined && !isDir(e) && fs.existsSync(target) && fs.statSync(target).isDirectory()) target = path.join(target, base);
    const stats: ExtractStats = { files: 0, dirs: 0, links: 0, bytes: 0, skipped: 0 };
    copyOut(img.fs, e, target, stats, warn, image);
    return stats;
  } finally {
    img.close();
  }
}

function copyOut(ifs: ImageFs, e: Entry, dest: string, st: ExtractStats, warn: (s: string) => void, image: string): void {
  if (isDir(e)) {
    fs.mkdirSync(dest, { recursive: true });
    st.dirs++;
    for (const c of ifs.readdir(e)) {
      if (c.name.includes('/') || c.name.includes('\0') || c.name === '.' || c.name === '..' || c.name === '') {
        warn(`${image}: skipped an entry with an unsafe name ${JSON.stringify(c.name)}`);
        st.skipped++;
        continue;
      }
      copyOut(ifs, c, path.join(dest, c.name), st, warn, image);
    }
    fs.chmodSync(dest, e.mode & 0o7777);
    fs.utimesSync(dest, e.mtime, e.mtime);
  } else if (isLink(e)) {
    const target = ifs.readlink(e);
    if (target === '' || target.includes('\0')) {
      warn(`${image}: skipped ${dest}: a symbolic link with an empty or NUL-containing target`);
      st.skipped++;
      return;
    }
    fs.rmSync(dest, { force: true });
    fs.symlinkSync(target, dest);
    st.links++;
  } else if (isFile(e)) {
    writeFile(ifs, e, dest);
    st.files++;
    st.bytes += e.size;
  } else {
    warn(`${image}: skipped ${dest}: a ${modeString(e.mode)[0]} special file`);
    st.skipped++;
  }
}

/** Writes the file's bytes; all-zero pieces are left as holes, as in the image. */
function writeFile(ifs: ImageFs, e: Entry, dest: string): void {
  const fd = fs.openSync(dest, 'w', 0o600);
  try {
    let pos = 0;
    for (const b of ifs.chunks(e)) {
      if (!isZero(b)) writeAll(fd, b, pos);
      pos += b.length;
    }
    if (pos !== e.size) throw new ToolError(`${dest}: read ${pos} bytes of ${e.size} from the image`);
    fs.ftruncateSync(fd, e.size);
    fs.fchmodSync(fd, e.mode & 0o7777);
  } finally {
    fs.closeSync(fd);
  }
  fs.utimesSync(dest, e.mtime, e.mtime);
}

function writeAll(fd: number, b: Buffer, pos: number | undefined): void {
  for (let done = 0; done < b.length;) {
    try {
      done += fs.writeSync(fd, b, done, b.length - done, pos === undefined ? null : pos + done);
    } catch (e) {
      // A pipe to a slow reader (img extract ... - | less) is non-blocking in Node: wait and retry.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

export function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i += 8192) {
    const s = b.subarray(i, Math.min(b.length, i + 8192));
    if (!s.equals(ZERO.subarray(0, s.length))) return false;
  }
  return true;
}
const ZERO = Buffer.alloc(8192);
