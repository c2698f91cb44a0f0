// Our freestanding C guest programs, each self-checking (ok / not ok lines).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failures, image, scratch, vkemu } from './helpers.js';

// Checks that cannot pass yet, each with its reason; everything else must pass.
const KNOWN: Record<string, RegExp[]> = {};

describe('C guest programs', () => {
  for (const name of ['hello', 'files', 'memory', 'efault', 'signals', 'threads', 'time', 'sysctl', 'abi', 'libc', 'proc', 'events', 'vmspace', 'limits', 'jobctl', 'scmpipe', 'vkabi', 'faultaddr', 'timers', 'hostcalls', 'rforkfd', 'preempt']) {
    it(name, () => {
      const r = vkemu([image('c', name), scratch()]);
      const bad = failures(r.stdout).filter((l) => !(KNOWN[name] ?? []).some((re) => re.test(l)));
      expect(bad, r.stdout + r.stderr).toEqual([]);
      expect(r.stdout).toMatch(/\d+ passed/);
      if (!KNOWN[name]) expect(r.status, r.stderr).toBe(0);
    });
  }

  it('timers under --deterministic: the virtual clock drives alarms, periodic and CPU timers', () => {
    const r = vkemu(['--deterministic', image('c', 'timers')], { timeoutMs: 120_000 });
    expect(failures(r.stdout), r.stdout + r.stderr).toEqual([]);
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(r.status).toBe(0);
  });

  it('under -L, a program missing from a directory the root has is ENOENT, not the host\'s program of that name', () => {
    const root = scratch();
    fs.mkdirSync(path.join(root, 'bin'));
    // /bin/sh exists on the host (a Linux program); the root has /bin but no sh in it.
    const r = vkemu(['-L', root, image('c', 'execpath'), '/bin/sh']);
    expect(r.stdout, r.stderr).toContain('errno=2');
    expect(r.stderr).not.toMatch(/Linux program/);
    // Outside the root's directories the host still answers: /proc is not in this root.
    const host = vkemu(['-L', root, image('c', 'execpath'), '/proc/self/exe']);
    expect(host.stdout).not.toContain('errno=2');
  });

  it('under -L, symlinks resolve inside the root: absolute targets start at it, \'..\' stops there, host programs stay hidden', () => {
    const root = scratch();
    for (const d of ['tmp', 'bin', 'dev']) fs.mkdirSync(path.join(root, d));
    const r = vkemu(['-L', root, image('c', 'rootlinks')]);
    expect(failures(r.stdout), r.stdout + r.stderr).toEqual([]);
    expect(r.stdout).toMatch(/30 passed, 0 failed/);
    expect(r.status).toBe(0);
    // Everything the guest made went into the root, and it cleaned up after itself.
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('chflags: st_flags and the flags Linux enforces outlive the vkemu run that set them', () => {
    const dir = scratch();
    try {
      const set = vkemu([image('c', 'chflags'), 'set', dir]);
      expect(failures(set.stdout), set.stdout + set.stderr).toEqual([]);
      expect(set.status).toBe(0);
      // Between the runs the host itself refuses to write the file the guest made immutable.
      if (process.getuid?.() === 0) expect(() => fs.writeFileSync(path.join(dir, 'f2'), 'x')).toThrow(/EPERM/);
      const check = vkemu([image('c', 'chflags'), 'check', dir]);
      expect(failures(check.stdout), check.stdout + check.stderr).toEqual([]);
      expect(check.stdout).toMatch(/\d+ passed, 0 failed/);
      expect(check.status).toBe(0);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      // A failed run may leave immutable or append-only files behind.
      spawnSync('chattr', ['-R', '-i', '-a', dir], { stdio: 'ignore' });
    }
  });

  it('demo prints what npm start shows', () => {
    const r = vkemu([image('c', 'demo'), 'one', 'two']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('DragonFly');
  });

  it('a NULL dereference without a handler kills the guest with SIGSEGV (exit 139)', () => {
    const r = vkemu([image('c', 'fault')]);
    expect(r.stdout).toContain('about to fault');
    expect(r.status).toBe(128 + 11);
    expect(r.stderr).toMatch(/SIGSEGV at rip 0x[0-9a-f]+ accessing 0x0/);
  });
});
