// The quick subset of Go's standard-library tests, built for dragonfly, under vkemu.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers.js';

it('Go standard-library tests (quick subset) pass under vkemu', () => {
  const r = spawnSync('node', [path.join(ROOT, 'dist/test/conformance/run.js'), '--quick'], {
    encoding: 'utf8', cwd: ROOT, timeout: 900_000,
  });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  expect(out).toMatch(/^\d+ passed, 0 failed$/m);
  expect(r.status, out).toBe(0);
}, 900_000);
