// Go programs built with GOOS=dragonfly: an independent client of the ABI.
import { describe, expect, it } from 'vitest';
import { failures, image, scratch, vkemu } from './helpers.js';

describe('Go guest programs', () => {
  it('hello', () => {
    const r = vkemu([image('go', 'hello')]);
    expect(r.stdout).toContain('hello from Go on DragonFly');
    expect(r.status).toBe(0);
  });
  for (const name of ['jsonprog', 'panics', 'goroutines', 'timers', 'netloop']) {
    it(name, () => {
      const r = vkemu([image('go', name)]);
      expect(failures(r.stdout), r.stdout + r.stderr).toEqual([]);
      expect(r.status, r.stderr).toBe(0);
    });
  }
  it('fileio works in a scratch directory', () => {
    const r = vkemu([image('go', 'fileio'), scratch()]);
    expect(failures(r.stdout), r.stdout + r.stderr).toEqual([]);
    expect(r.status).toBe(0);
  });
  it('argsenv sees argv and the environment', () => {
    const r = vkemu([image('go', 'argsenv'), 'a', 'b', 'c'], { env: { VKEMU_TEST: 'hello' } });
    expect(failures(r.stdout), r.stdout + r.stderr).toEqual([]);
    expect(r.status).toBe(0);
  });
});
