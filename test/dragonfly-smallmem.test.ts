// The small-memory warning of `vkemu dragonfly boot`, against what a real 5.9 kernel did
// (docs/DEBUGGING.md, "Known problems": 128m stalled, 160m, 192m and 128m with kern.nbuf=80 booted).
import { describe, expect, it } from 'vitest';
import { pbufsPerMount, smallMemoryWarning, vkernelMemory } from '../src/dragonfly/smallmem.js';

const MiB = 1024 * 1024;

describe('dragonfly boot: small-memory warning', () => {
  it('reads -m values the way the vkernel does', () => {
    expect(vkernelMemory('256m')).toBe(256 * MiB);
    expect(vkernelMemory('1g')).toBe(1024 * MiB);
    expect(vkernelMemory('131072K')).toBe(128 * MiB);
    expect(vkernelMemory('268435456')).toBe(256 * MiB);
    expect(vkernelMemory('lots')).toBeUndefined();
  });
  it('pbufs per mount match the figures read from the stalled and the booted kernels', () => {
    expect(pbufsPerMount(128 * MiB)).toBe(1);
    expect(pbufsPerMount(160 * MiB)).toBe(3);
    expect(pbufsPerMount(192 * MiB)).toBe(6);
    expect(pbufsPerMount(128 * MiB, 80)).toBe(2);
  });
  it('warns for -m 128m on 5.9 only, naming the option and the ways out', () => {
    const w = smallMemoryWarning('5.9-DEVELOPMENT', ['-m', '256m', '-n', '2', '-m', '128m']);
    expect(w).toContain('-m 128m');
    expect(w).toContain('kern.nbuf=80');
    expect(smallMemoryWarning('5.9-DEVELOPMENT', ['-m', '128m', '-e', 'hostname=x:kern.nbuf=80'])).toBeUndefined();
    expect(smallMemoryWarning('5.9-DEVELOPMENT', ['-m', '256m', '-m160m'])).toBeUndefined();
    expect(smallMemoryWarning('6.4-RELEASE', ['-m', '128m'])).toBeUndefined();
    expect(smallMemoryWarning('5.9-DEVELOPMENT', ['-m', '256m'])).toBeUndefined();
  });
});
