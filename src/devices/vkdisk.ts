// Host-side messages for virtual-kernel disk images (vkd/vcd). A vkernel opens
// each image with O_DIRECT and takes flock(LOCK_EX|LOCK_NB) on it; when that
// fails it exits with a terse message of its own. vkemu adds one clear line
// on stderr naming the image and, from /proc/locks, the process holding it.
// Only O_DIRECT opens are reported, so ordinary programs' locks stay quiet.
import fs from 'node:fs';
import { O } from '../vm/abi/flags.js';
import type { OpenFile } from '../vm/files/file.js';

/** Linux major/minor of a glibc-encoded dev_t. */
function devParts(dev: bigint): [bigint, bigint] {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return [major, minor];
}

/** The pid holding a flock on (dev, ino) according to /proc/locks, if any. */
export function flockHolder(dev: bigint, ino: bigint): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  const [major, minor] = devParts(dev);
  for (const line of text.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 00:2d:5678 0 EOF"; waiters have "->" after the number.
    const f = line.trim().split(/\s+/);
    if (f[1] !== 'FLOCK') continue;
    const id = f[5]?.split(':');
    if (!id || id.length !== 3) continue;
    if (BigInt('0x' + id[0]) === major && BigInt('0x' + id[1]) === minor && BigInt(id[2]) === ino) return Number(f[4]);
  }
  return undefined;
}

/** After a failed non-blocking flock: name the image and its holder when this is a vkernel disk. */
export function noteDiskLockConflict(log: (l: string) => void, file: OpenFile): void {
  const ops = file.ops;
  if (!(file.flags & O.DIRECT) || ops.kind !== 'file' || ops.hostFd === undefined) return;
  let st: fs.BigIntStats;
  try {
    st = fs.fstatSync(ops.hostFd, { bigint: true });
  } catch {
    return;
  }
  const pid = flockHolder(st.dev, st.ino);
  const who = pid === undefined ? 'another process' : pid === process.pid ? `this vkemu (pid ${pid})` : `pid ${pid}`;
  log(`vkemu: disk image ${ops.hostPath ?? '?'} is already in use: locked by ${who}`);
}

/** After a failed open: explain a disk image that cannot be opened for writing. */
export function noteDiskOpenRefused(log: (l: string) => void, host: string, flags: number, err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (!(flags & O.DIRECT) || (flags & O.ACCMODE) === O.RDONLY) return;
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return;
  const why = code === 'EROFS' ? 'it is on a read-only file system' : 'no write permission';
  log(`vkemu: disk image ${host} cannot be opened for writing (${code}: ${why}); read-only images can be CDs (-c)`);
}

/**
 * fsync every disk image (a regular host file opened O_DIRECT for writing, as a vkernel opens
 * vkd images) among `files`, before vkemu ends without its guest: the guest's O_DIRECT is not
 * passed to the host, so its writes may still sit in the host's page cache. Returns the count.
 */
export function flushDiskImages(files: Iterable<OpenFile>): number {
  const done = new Set<OpenFile>();
  for (const f of files) {
    if (done.has(f) || !(f.flags & O.DIRECT) || (f.flags & O.ACCMODE) === O.RDONLY) continue;
    if (f.ops.kind !== 'file' || !f.ops.sync) continue;
    done.add(f);
    f.ops.sync();
  }
  return done.size;
}
