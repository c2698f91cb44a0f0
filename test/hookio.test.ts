// I/O on host files and memory devices served inside the engine's syscall hook
// (native/src/fdcalls.cc, src/vm/files/hookfiles.ts): the same answers as the
// TypeScript path, which strace switches to, and the hook really serving them.
import { describe, expect, it } from 'vitest';
import { failures, image, scratch, vkemu } from './helpers.js';

/** The calls the engine served itself in a run of args (VKEMU_DEBUG_RUN's `fast N` per engine run). */
function servedInHook(args: string[]): { served: number; stdout: string } {
  const r = vkemu(args, { env: { VKEMU_DEBUG_RUN: '1' } });
  expect(r.status, r.stdout + r.stderr.slice(-2000)).toBe(0);
  let served = 0;
  for (const m of r.stderr.matchAll(/^run .* fast (\d+)$/gm)) served += Number(m[1]);
  return { served, stdout: r.stdout };
}

describe('host-file I/O served in the syscall hook', () => {
  for (const strace of [false, true]) {
    it(`hookio${strace ? ' under --strace (served in TypeScript)' : ''}: results, positions, EFAULT, dup2, close, fork, vfork, rfork, O_APPEND, close-on-exec`, () => {
      const r = vkemu([...(strace ? ['--strace'] : []), image('c', 'hookio'), scratch()]);
      expect(failures(r.stdout), r.stdout + r.stderr.slice(-3000)).toEqual([]);
      expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
      expect(r.status).toBe(0);
      // strace shows every call, so none was served in the hook.
      if (strace) for (const call of ['read(', 'write(', 'writev(', 'readv(', 'extpreadv(', 'extpwritev(', 'extpread(', 'extpwrite(', 'lseek('])
        expect(r.stderr).toContain(`] ${call}`);
    });
  }

  it('the hook serves write(2) to /dev/null and pread(2) of a file, and does not while strace runs', () => {
    const fast = servedInHook([image('c', 'hookio'), 'count', '1000']);
    expect(fast.stdout).toContain('count: 2000 of 2000');
    expect(fast.served).toBeGreaterThanOrEqual(2000);
    const traced = servedInHook(['--strace', image('c', 'hookio'), 'count', '1000']);
    expect(traced.stdout).toContain('count: 2000 of 2000');
    expect(traced.served).toBeLessThan(10);
  });
});
