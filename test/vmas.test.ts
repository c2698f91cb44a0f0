// VmaList (src/vm/vmas.ts), the TypeScript VMA bookkeeping for backends
// without their own list, must answer exactly as the Unicorn backend's C++
// list does: the same random map/unmap/protect sequence goes into both.
import { describe, expect, it } from 'vitest';
import { MapKind } from '../src/cpu/engine.js';
import { unicornEngine } from '../src/cpu/unicorn.js';
import { VmaList } from '../src/vm/vmas.js';

const PAGE = 4096;

describe('VmaList', () => {
  it('matches the native list under random map, unmap and protect', () => {
    const space = unicornEngine().createSpace();
    const list = new VmaList();
    let seed = 12;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const base = 0x10000000;
    try {
      for (let i = 0; i < 400; i++) {
        const start = base + rnd(256) * PAGE;
        const len = (1 + rnd(32)) * PAGE;
        const op = rnd(3);
        if (op === 0) {
          const prot = rnd(4);
          expect(space.map(start, len, prot, MapKind.PrivateAnon, -1, 0)).toBe(0);
          list.map(start, len, prot, MapKind.PrivateAnon);
        } else if (op === 1) {
          space.unmap(start, len);
          list.unmap(start, len);
        } else {
          const prot = rnd(4);
          expect(list.protect(start, len, prot)).toBe(space.protect(start, len, prot));
        }
        expect(list.regions()).toEqual(space.regions());
        const hint = base + rnd(300) * PAGE;
        const want = (1 + rnd(40)) * PAGE;
        const align = rnd(2) ? PAGE : 0x200000;
        expect(list.findFree(hint, want, align), `findFree #${i}`).toBe(space.findFree(hint, want, align));
        expect(list.findFree(hint, want, PAGE, base + 300 * PAGE)).toBe(space.findFree(hint, want, PAGE, base + 300 * PAGE));
        expect(list.isFree(hint, want)).toBe(space.isFree(hint, want));
      }
      expect(list.copy().regions()).toEqual(space.regions());
    } finally {
      space.close();
    }
  });
});
