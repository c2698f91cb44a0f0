// Fork's copy of an address space (AddressSpace.copyFrom): a private file
// mapping's pages the parent never touched must show the file in the child
// even when the host has not cached them. Asking mincore(2) which pages to
// copy got this wrong (it answers for the host page cache), and a forked
// virtual kernel now and then found parts of its data and of libc zeroed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MapKind, PROT_READ, PROT_WRITE } from '../src/cpu/engine.js';
import { unicornEngine } from '../src/cpu/unicorn.js';

const PAGE = 4096;
const PAGES = 8192;  // 32 MiB: far more than the host reads ahead around the pages touched

describe('fork of private file mappings', () => {
  it('the child sees the file where the parent never looked, and the parent\'s writes where it wrote', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-forkmem-'));
    const file = path.join(dir, 'data.bin');
    try {
      // Written around the host page cache, so that its pages are not cached.
      execFileSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', `count=${PAGES * PAGE >> 20}`, 'oflag=direct'], { stdio: 'ignore' });
      const cached = execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }).trim();
      expect(Number(cached), 'the test file must start outside the host page cache').toBe(0);
      const fd = fs.openSync(file, 'r');
      const engine = unicornEngine();
      const parent = engine.createSpace();
      const child = engine.createSpace();
      try {
        const base = 0x40000000;
        expect(parent.map(base, PAGES * PAGE, PROT_READ | PROT_WRITE, MapKind.PrivateFile, fd, 0)).toBe(0);
        const mark = Buffer.from('written by the parent');
        expect(parent.write(base + 5 * PAGE, mark)).toBe(true);
        expect(child.copyFrom(parent)).toBe(0);
        const want = fs.readFileSync(file);  // only now: reading it caches it
        let wrong = 0;
        for (let i = 0; i < PAGES; i += 61) {
          const got = child.read(base + i * PAGE, PAGE);
          if (!got || !got.equals(want.subarray(i * PAGE, (i + 1) * PAGE))) wrong++;
        }
        expect(wrong, 'pages of the file the child does not see').toBe(0);
        expect(child.read(base + 5 * PAGE, mark.length)).toEqual(mark);
        expect(child.read(base + 5 * PAGE + mark.length, 64)).toEqual(want.subarray(5 * PAGE + mark.length, 5 * PAGE + mark.length + 64));
      } finally {
        parent.close();
        child.close();
        fs.closeSync(fd);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
