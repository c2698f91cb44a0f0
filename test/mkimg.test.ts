// Image tools: vkd images (disklabel64 + UFS1 by makefs), blank disks and ISOs (xorriso), read back by
// our own readers. Real makefs and xorriso, real files; layout per docs/IMAGES.md.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch, vkemu } from './helpers.js';
import { DISKMAGIC64, FS_BSDFFS, LABEL_BYTES, parseLabel, virginLabel, writeLabel } from '../src/tools/disklabel64.js';
import { ImageFile } from '../src/tools/imagefs.js';
import { Iso9660 } from '../src/tools/iso9660.js';
import { parseSize } from '../src/tools/size.js';
import { FS_MAGIC, SBOFF, Ufs1 } from '../src/tools/ufs1.js';

const MiB = 1024 * 1024;
let dir = '';
let src = '';
let root = '';

/** A tree with nested directories, files of every size class, symlinks short and long, and a sparse
 *  80 MiB file whose data reaches the double-indirect blocks (> (12 + 4096) * 16 KiB). */
function makeTree(top: string): void {
  fs.mkdirSync(path.join(top, 'etc/rc.d'), { recursive: true });
  fs.mkdirSync(path.join(top, 'sbin'));
  fs.mkdirSync(path.join(top, 'a/b/c/d/e/f/g/h/i'), { recursive: true });
  fs.writeFileSync(path.join(top, 'etc/motd'), 'welcome to the vkernel\n');
  fs.writeFileSync(path.join(top, 'etc/rc.d/empty'), '');
  fs.writeFileSync(path.join(top, 'a/b/c/d/e/f/g/h/i/deep.txt'), 'deep\n');
  fs.writeFileSync(path.join(top, 'sbin/init'), crypto.randomBytes(12 * 16384 + 5000), { mode: 0o755 });
  fs.writeFileSync(path.join(top, 'sbin/medium'), crypto.randomBytes(3 * MiB + 77));
  const fd = fs.openSync(path.join(top, 'huge'), 'w');
  for (const at of [0, 5 * MiB, 64 * MiB + 4097, 80 * MiB - 1000]) fs.writeSync(fd, crypto.randomBytes(1000), 0, 1000, at);
  fs.closeSync(fd);
  fs.symlinkSync('../etc/motd', path.join(top, 'sbin/motd-link'));
  fs.symlinkSync('x'.repeat(120), path.join(top, 'long-link'));
}

function sameTree(a: string, b: string): void {
  const names = fs.readdirSync(a).sort();
  expect(fs.readdirSync(b).sort()).toEqual(names);
  for (const n of names) {
    const pa = path.join(a, n);
    const pb = path.join(b, n);
    const sa = fs.lstatSync(pa);
    const sb = fs.lstatSync(pb);
    expect(sb.mode, pb).toBe(sa.mode);
    if (sa.isDirectory()) sameTree(pa, pb);
    else if (sa.isSymbolicLink()) expect(fs.readlinkSync(pb)).toBe(fs.readlinkSync(pa));
    else {
      expect(sb.size, pb).toBe(sa.size);
      expect(fs.readFileSync(pb).equals(fs.readFileSync(pa)), pb).toBe(true);
      expect(Math.floor(sb.mtimeMs / 1000)).toBe(Math.floor(sa.mtimeMs / 1000));
    }
  }
}

function openUfs(image: string): { file: ImageFile; ufs: Ufs1; close: () => void } {
  const fd = fs.openSync(image, 'r');
  const file = new ImageFile(image, fd);
  const label = parseLabel(file.read(0, LABEL_BYTES));
  if (!label) throw new Error('no label');
  const a = label.partitions[0];
  return { file, ufs: new Ufs1(file, a.offset, a.size, 'a'), close: () => fs.closeSync(fd) };
}

beforeAll(() => {
  dir = scratch();
  src = path.join(dir, 'src');
  makeTree(src);
  root = path.join(dir, 'root.img');
  const r = vkemu(['mkimg', 'root', root, '--from', src, '--size', '128m']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('128 MiB vkd root image');
});

// The ISOs hold the 80 MiB file for real: do not leave them behind.
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('vkd root image', () => {
  it('has a disklabel64 the kernel would accept, with partition a = UFS1 at 1 MiB', () => {
    const img = fs.readFileSync(root).subarray(0, 2 * MiB);
    expect(img.readUInt32LE(512)).toBe(DISKMAGIC64);
    const l = parseLabel(img);
    expect(l).not.toBeNull();
    if (!l) return;
    expect(l.crcOk).toBe(true);
    // The CRC, recomputed independently over d_magic .. end of the 16 partition entries, d_crc zeroed.
    const area = Buffer.from(img.subarray(512, 712 + 64 * 16));
    area.writeUInt32LE(0, 4);
    expect(crc32(area)).toBe(l.crc);
    expect(crc32('123456789')).toBe(0xcbf43926); // the check value of DragonFly's libkern crc32
    expect(l.partitions).toHaveLength(16);
    expect(l.totalSize).toBe(128 * MiB);
    expect(l.bbase).toBe(4096);
    expect(l.pbase).toBe(MiB);
    expect(l.pstop).toBe(127 * MiB);
    expect(l.abase).toBe(128 * MiB - 4096);
    expect(l.packname).toBe('vkemu-root');
    const a = l.partitions[0];
    expect([a.offset, a.size, a.fstype]).toEqual([MiB, 126 * MiB, FS_BSDFFS]);
    expect(l.partitions.slice(1).every((p) => p.size === 0 && p.offset === 0)).toBe(true);
    // UFS1 superblock at partition offset + 8192, with the documented block sizes.
    const sb = img.subarray(MiB + SBOFF, MiB + SBOFF + 8192);
    expect(sb.readInt32LE(1372)).toBe(FS_MAGIC);
    expect([sb.readInt32LE(48), sb.readInt32LE(52)]).toEqual([16384, 2048]);
    expect(sb.readInt32LE(36) * 2048).toBe(126 * MiB);
    // A flipped bit anywhere in the CRC range is caught.
    const bad = Buffer.from(img.subarray(0, LABEL_BYTES));
    bad[712 + 8] ^= 1;
    expect(parseLabel(bad)?.crcOk).toBe(false);
  });

  it('writeLabel and parseLabel round trip', () => {
    const l = virginLabel(10 * 2 ** 30, 'x');
    const back = parseLabel(writeLabel(l));
    expect(back?.crcOk).toBe(true);
    expect(back?.pstop).toBe(10 * 2 ** 30 - MiB);
    expect(back?.partitions[0].storUuid.equals(l.partitions[0].storUuid)).toBe(true);
    expect(back?.storUuid.equals(l.storUuid)).toBe(true);
  });

  it('the big file really uses single and double indirect blocks', () => {
    const { file, ufs, close } = openUfs(root);
    try {
      const huge = ufs.readdir(ufs.root()).find((e) => e.name === 'huge');
      expect(huge?.size).toBe(80 * MiB);
      const raw = file.read(ufs.inodeOffset(huge?.id ?? 0), 128);
      expect(raw.readInt32LE(88)).not.toBe(0); // di_ib[0]
      expect(raw.readInt32LE(92)).not.toBe(0); // di_ib[1]
    } finally {
      close();
    }
  });

  it('img ls prints ls -l lines', () => {
    const r = vkemu(['img', 'ls', root]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(7).join(' '))).toEqual(
      ['a', 'etc', 'huge', `long-link -> ${'x'.repeat(120)}`, 'sbin']);
    expect(lines[2]).toMatch(/^-rw-r--r-- +1 +\d+ +\d+ +83886080 \d{4}-\d\d-\d\d \d\d:\d\d huge$/);
    const s = vkemu(['img', 'ls', root, '/sbin']);
    expect(s.stdout).toMatch(/^-rwxr-xr-x .* 201608 .* init$/m);
    expect(s.stdout).toMatch(/^lrwxrwxrwx .* motd-link -> \.\.\/etc\/motd$/m);
    const one = vkemu(['img', 'ls', root, 'etc/motd']);
    expect(one.stdout).toMatch(/ 23 .* etc\/motd\n$/);
  });

  it('img extract of the whole tree is byte-exact, modes, links and mtimes kept', () => {
    const out = path.join(dir, 'out');
    const r = vkemu(['img', 'extract', root, '/', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    sameTree(src, out);
    // Holes stay holes: the sparse 80 MiB file does not take 80 MiB.
    expect(fs.statSync(path.join(out, 'huge')).blocks * 512).toBeLessThan(8 * MiB);
  });

  it('img extract of one file, through a symlink, to a directory and to stdout', () => {
    const d = path.join(dir, 'one');
    fs.mkdirSync(d);
    expect(vkemu(['img', 'extract', root, 'sbin/medium', d]).status).toBe(0);
    expect(fs.readFileSync(path.join(d, 'medium')).equals(fs.readFileSync(path.join(src, 'sbin/medium')))).toBe(true);
    const cat = vkemu(['img', 'extract', root, 'sbin/motd-link', '-']);
    expect(cat.stdout).toBe('welcome to the vkernel\n');
    const deep = vkemu(['img', 'extract', root, 'a/b/c/d/e/f/g/h/i/deep.txt', '-']);
    expect(deep.stdout).toBe('deep\n');
  });

  it('without --size the image is sized to the tree and still a whole number of MiB', () => {
    const small = path.join(dir, 'small');
    fs.mkdirSync(small);
    fs.writeFileSync(path.join(small, 'f'), 'x');
    const img = path.join(dir, 'data.img');
    const r = vkemu(['mkimg', 'data', img, '--from', small]);
    expect(r.status).toBe(0);
    const size = fs.statSync(img).size;
    expect(size % MiB).toBe(0);
    expect(size).toBeGreaterThanOrEqual(4 * MiB);
    expect(size).toBeLessThanOrEqual(8 * MiB);
    expect(parseLabel(fs.readFileSync(img).subarray(0, LABEL_BYTES))?.packname).toBe('vkemu-data');
    expect(vkemu(['img', 'extract', img, 'f', '-']).stdout).toBe('x');
  });
});

describe('UFS1 with many cylinder groups', () => {
  it('inodes in later groups are found by ino_to_fsba arithmetic (bare makefs output, no label)', () => {
    const many = path.join(dir, 'many');
    for (let d = 0; d < 30; d++) {
      fs.mkdirSync(path.join(many, `d${d}`), { recursive: true });
      for (let f = 0; f < 12; f++) fs.writeFileSync(path.join(many, `d${d}`, `f${f}`), `${d}/${f}\n`.repeat(f * 300));
    }
    const ufs = path.join(dir, 'many.ufs');
    const m = spawnSync('makefs', ['-t', 'ffs', '-o', 'version=1,bsize=16384,fsize=2048,maxbpcg=256,density=65536', '-s', '64m', ufs, many]);
    expect(m.status).toBe(0);
    const fd = fs.openSync(ufs, 'r');
    try {
      const u = new Ufs1(new ImageFile(ufs, fd), 0, fs.statSync(ufs).size, 'bare');
      expect(u.sb.ncg).toBe(8);
      const groups = new Set<number>();
      for (const d of u.readdir(u.root())) for (const f of u.readdir(d)) groups.add(Math.floor(f.id / u.sb.ipg));
      expect(groups.size).toBeGreaterThan(2);
    } finally {
      fs.closeSync(fd);
    }
    const out = path.join(dir, 'many.out');
    expect(vkemu(['img', 'extract', ufs, '/', out]).status).toBe(0);
    sameTree(many, out);
  });
});

describe('blank images', () => {
  it('a 6 GiB blank image is sparse, exactly sized, and all zeros', () => {
    const img = path.join(dir, 'blank.img');
    const r = vkemu(['mkimg', 'blank', img, '--size', '6g']);
    expect(r.status).toBe(0);
    const st = fs.statSync(img);
    expect(st.size).toBe(6 * 2 ** 30);
    expect(st.blocks * 512).toBeLessThan(MiB);
    const fd = fs.openSync(img, 'r');
    const b = Buffer.alloc(4096, 0xff);
    fs.readSync(fd, b, 0, 4096, 5 * 2 ** 30 + 12345);
    fs.closeSync(fd);
    expect(b.every((x) => x === 0)).toBe(true);
    const ls = vkemu(['img', 'ls', img]);
    expect(ls.status).toBe(1);
    expect(ls.stderr).toContain(`${img}: no disklabel64 and no file system: a blank image`);
  });
});

describe('ISO images', () => {
  it('mkimg iso: listed and extracted through Rock Ridge', () => {
    const iso = path.join(dir, 'cd.iso');
    const r = vkemu(['mkimg', 'iso', iso, '--from', src]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ls = vkemu(['img', 'ls', iso, 'sbin']);
    expect(ls.stdout).toMatch(/^-rwxr-xr-x +1 +0 +0 +201608 .* init$/m);
    expect(ls.stdout).toMatch(/motd-link -> \.\.\/etc\/motd$/m);
    const out = path.join(dir, 'isoout');
    expect(vkemu(['img', 'extract', iso, '/', out]).status).toBe(0);
    sameTree(src, out);
  });

  it('the plain ISO 9660 tree (no Rock Ridge) is readable by its 8.3 names', () => {
    const plain = path.join(dir, 'plain.iso');
    const x = spawnSync('xorriso', ['-rockridge', 'off', '-outdev', plain, '-map', src, '/'], { encoding: 'utf8' });
    expect(x.status).toBe(0);
    const fd = fs.openSync(plain, 'r');
    try {
      const iso = new Iso9660(new ImageFile(plain, fd));
      const names = iso.readdir(iso.root()).map((e) => e.name).sort();
      expect(names).toEqual(['A', 'ETC', 'HUGE', 'SBIN']);
      const sbin = iso.readdir(iso.root()).find((e) => e.name === 'SBIN');
      const init = iso.readdir(sbin ?? iso.root()).find((e) => e.name === 'INIT');
      expect(init?.size).toBe(12 * 16384 + 5000);
      expect(Buffer.concat([...iso.chunks(init ?? iso.root())]).equals(fs.readFileSync(path.join(src, 'sbin/init')))).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
    // The command line finds plain names case-insensitively.
    expect(vkemu(['img', 'extract', plain, 'etc/motd', '-']).stdout).toBe('welcome to the vkernel\n');
  });
});

describe('bad input', () => {
  const err = (args: string[], status: number, text: string | RegExp): void => {
    const r = vkemu(args);
    expect(r.status, r.stderr).toBe(status);
    expect(r.stderr).toMatch(text);
    expect(r.stderr).not.toMatch(/    at |internal error/);
  };

  it('sizes', () => {
    expect(parseSize('64m', '--size')).toBe(64 * MiB);
    expect(parseSize('5G', '--size')).toBe(5 * 2 ** 30);
    expect(parseSize('512KiB', '--size')).toBe(512 * 1024);
    expect(parseSize('1000', '--size')).toBe(1000);
    err(['mkimg', 'blank', path.join(dir, 'x.img'), '--size', '12q'], 64, "option --size: '12q' is not a size");
    err(['mkimg', 'blank', path.join(dir, 'x.img'), '--size', '0'], 64, 'option --size: the size must not be zero');
    err(['mkimg', 'root', path.join(dir, 'x.img'), '--from', src, '--size', '1m'], 64, /--size: 1 MiB is too small/);
    err(['mkimg', 'blank', path.join(dir, 'x.img')], 64, 'option --size SIZE is required');
  });

  it('a missing or wrong source directory', () => {
    err(['mkimg', 'root', path.join(dir, 'x.img'), '--from', '/nonexistent/dir'], 64, 'option --from: /nonexistent/dir: no such directory');
    err(['mkimg', 'iso', path.join(dir, 'x.iso'), '--from', path.join(src, 'etc/motd')], 64, /--from: .*motd: not a directory/);
    err(['mkimg', 'root', path.join(src, 'x.img'), '--from', src], 64, /must not be inside --from/);
    err(['mkimg', 'root', path.join(dir, 'x.img')], 64, 'option --from DIR is required');
    expect(fs.existsSync(path.join(dir, 'x.img'))).toBe(false);
  });

  it('a tree that does not fit the given size', () => {
    err(['mkimg', 'root', path.join(dir, 'tiny.img'), '--from', src, '--size', '8m'], 1, /makefs failed to build a UFS1 file system .* \(try a larger --size\)/);
    expect(fs.readdirSync(dir).filter((n) => n.includes('makefs'))).toEqual([]);
  });

  it('not an image, truncated, corrupt label, missing paths', () => {
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'just text\n'.repeat(5000));
    err(['img', 'ls', text], 1, `${text}: not a vkd or ISO image`);
    err(['img', 'ls', path.join(dir, 'nothere.img')], 1, /nothere\.img: no such file or directory/);
    const trunc = path.join(dir, 'trunc.img');
    fs.writeFileSync(trunc, fs.readFileSync(root).subarray(0, 3 * MiB));
    err(['img', 'ls', trunc], 1, `${trunc}: truncated image: partition a ends at byte ${127 * MiB}`);
    const corrupt = path.join(dir, 'corrupt.img');
    const b = fs.readFileSync(root).subarray(0, 3 * MiB);
    b[600] ^= 0x40;
    fs.writeFileSync(corrupt, b);
    err(['img', 'ls', corrupt], 1, `${corrupt}: disklabel64 corrupted, bad CRC`);
    err(['img', 'ls', root, 'etc/nope'], 1, `${root}: etc/nope: no such file or directory in the image`);
    err(['img', 'ls', root, 'etc/motd/x'], 1, /etc\/motd\/x: motd is not a directory/);
    err(['img', 'extract', root], 64, 'extract: PATH is missing');
    err(['img', 'extract', root, '/'], 64, 'needs a DEST directory');
    err(['img', 'frob', root], 64, "img: unknown command 'frob'");
    err(['mkimg', 'floppy', 'x'], 64, "mkimg: unknown image kind 'floppy'");
    err(['mkimg', 'root', 'x.img', '--bogus'], 64, "unknown option '--bogus'");
    err(['mkimg', 'root', 'x.img', '--from'], 64, 'option --from needs an argument');
  });
});
