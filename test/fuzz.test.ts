// A million random system calls (five slices of 200 000, different seeds):
// every one gets an answer, vkemu stays up and never hits an internal error.
import { describe, expect, it } from 'vitest';
import { image, scratch, vkemu } from './helpers.js';

describe('syscall fuzzer', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: 200 000 calls`, () => {
      // In a scratch directory: whatever random paths the calls create stay there.
      const r = vkemu([image('c', 'fuzz'), '200000', String(seed)], { timeoutMs: 120_000, cwd: scratch() });
      expect(r.stderr).not.toContain('internal error');
      expect(r.stdout).toMatch(/fuzz: \d+ calls returned/);
      expect(r.stdout).toContain('2 passed, 0 failed');
      expect(r.status).toBe(0);
    });
  }
});
