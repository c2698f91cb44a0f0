// `vkemu mkimg`: vkd images (disklabel64 + UFS1 made by makefs), blank disks and vcd ISOs (xorriso).
// The byte layout is fixed in docs/IMAGES.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ToolError, usageError } from './errors.js';
import { PARTITION_ALIGN, SECTOR, virginLabel, writeLabel } from './disklabel64.js';
import { isZero } from './img.js';
import { formatSize, roundUp } from './size.js';

/** DragonFly newfs defaults (bsize 16384, fsize 2048, minfree 8); density = one inode per 8 KiB. */
export const MAKEFS_FFS_OPTIONS = 'version=1,bsize=16384,fsize=2048,density=8192,minfree=8,optimization=time';
export const MIN_DISK = 4 * 1024 * 1024;
/** Above this, say what is going on: makefs and the copy take seconds per GiB. */
const CHATTY = 256 * 1024 * 1024;

export interface MkimgResult { image: string; size: number; summary: string }

type Progress = (line: string) => void;

function checkSource(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw usageError(`option --from: ${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw usageError(`option --from: ${dir}: not a directory`);
}

/** The image must not be written inside the tree being copied, or the tools would read their own output. */
function checkTarget(image: string, from?: string): void {
  const abs = path.resolve(image);
  if (fs.existsSync(abs) && !fs.statSync(abs).isFile()) throw usageError(`${image}: exists and is not a regular file`);
  if (!fs.existsSync(path.dirname(abs))) throw usageError(`${image}: directory ${path.dirname(abs)} does not exist`);
  if (from) {
    const src = fs.realpathSync(from);
    const dir = fs.realpathSync(path.dirname(abs));
    if (dir === src || dir.startsWith(src + path.sep)) throw usageError(`${image}: the image must not be inside --from ${from}`);
  }
}

function run(tool: string, args: string[], what: string): void {
  const r = spawnSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new ToolError(code === 'ENOENT' ? `${tool} is not installed (needed to ${what}; run npm run setup)` : `${tool}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const msg = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const useful = msg.filter((l) => /error|cannot|can't|too|fail|no space|not|invalid|fatal/i.test(l));
    throw new ToolError(`${tool} failed to ${what}: ${(useful.length ? useful : msg).slice(-3).join(' / ') || `exit status ${r.status}`}`);
  }
}

export function mkimgDisk(kind: 'root' | 'data', image: string, from: string, size: number | undefined, progress: Progress): MkimgResult {
  checkSource(from);
  checkTarget(image, from);
  let total: number | undefined;
  if (size !== undefined) {
    total = roundUp(size, PARTITION_ALIGN);
    if (total < MIN_DISK) throw usageError(`option --size: ${formatSize(size)} is too small; a ${kind} image needs at least ${formatSize(MIN_DISK)}`);
  }
  const tmp = path.join(path.dirname(path.resolve(image)), `.${path.basename(image)}.makefs-${process.pid}`);
  try {
    const args = ['-t', 'ffs', '-o', MAKEFS_FFS_OPTIONS];
    if (total !== undefined) {
      args.push('-s', String(virginLabel(total, '').partitions[0].size));
      if (total >= CHATTY) progress(`mkimg: building a ${formatSize(total)} UFS1 file system from ${from} with makefs`);
    } else {
      args.push('-b', '20%', '-f', '20%', '-M', String(MIN_DISK - 2 * PARTITION_ALIGN));
    }
    run('makefs', [...args, tmp, from], `build a UFS1 file system from ${from}${total ? ` in ${formatSize(total)} (try a larger --size)` : ''}`);
    const fsSize = fs.statSync(tmp).size;
    if (total === undefined) total = roundUp(fsSize, PARTITION_ALIGN) + 2 * PARTITION_ALIGN;
    const label = virginLabel(total, `vkemu-${kind}`);
    const a = label.partitions[0];
    if (fsSize > a.size) throw new ToolError(`makefs made ${fsSize} bytes for a ${a.size}-byte partition`);
    writeDisk(image, total, writeLabel(label), tmp, a.offset, progress);
    return { image, size: total, summary: `${image}: ${formatSize(total)} vkd ${kind} image, partition a (UFS1, ${formatSize(a.size)}) at byte ${a.offset}` };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Lays out the image: sparse file of `total` bytes, label at 0, file system copied in at `at`,
 *  skipping all-zero pieces so they stay holes. */
function writeDisk(image: string, total: number, label: Buffer, fsFile: string, at: number, progress: Progress): void {
  const out = fs.openSync(image, 'w', 0o644);
  const src = fs.openSync(fsFile, 'r');
  try {
    fs.ftruncateSync(out, total);
    fs.writeSync(out, label, 0, label.length, 0);
    const size = fs.fstatSync(src).size;
    if (size >= CHATTY) progress(`mkimg: copying the ${formatSize(size)} file system into ${image} at byte ${at}`);
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (let pos = 0; pos < size;) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n === 0) throw new ToolError(`${fsFile}: short read at byte ${pos}`);
      for (let o = 0; o < n; o += 65536) {
        const piece = buf.subarray(o, Math.min(n, o + 65536));
        if (!isZero(piece)) fs.writeSync(out, piece, 0, piece.length, at + pos + o);
      }
      pos += n;
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(src);
    fs.closeSync(out);
  }
}

export function mkimgBlank(image: string, size: number): MkimgResult {
  checkTarget(image);
  const total = roundUp(size, SECTOR);
  const fd = fs.openSync(image, 'w', 0o644);
  try {
    fs.ftruncateSync(fd, 0);
    fs.ftruncateSync(fd, total);
  } finally {
    fs.closeSync(fd);
  }
  return { image, size: total, summary: `${image}: ${formatSize(total)} blank vkd image (sparse, all zeros, no label)` };
}

export function mkimgIso(image: string, from: string): MkimgResult {
  checkSource(from);
  checkTarget(image, from);
  fs.rmSync(image, { force: true }); // xorriso refuses to overwrite a non-empty output
  const volume = 'VKEMU';
  try {
    run('xorriso', ['-as', 'mkisofs', '-R', '-uid', '0', '-gid', '0', '-V', volume, '-quiet', '-o', image, from], `build an ISO image from ${from}`);
  } catch (e) {
    fs.rmSync(image, { force: true });
    throw e;
  }
  const size = fs.statSync(image).size;
  return { image, size, summary: `${image}: ${formatSize(size)} ISO 9660 image (Rock Ridge, volume ${volume})` };
}
