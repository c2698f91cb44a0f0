// Running guest programs under bin/vkemu from tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The project root, from test/ under vitest or from dist/test/ when compiled (the benchmarks use it). */
export const ROOT = path.resolve(import.meta.dirname, path.basename(path.resolve(import.meta.dirname, '..')) === 'dist' ? '../..' : '..');
export const VKEMU = path.join(ROOT, 'bin/vkemu');

export interface RunResult { status: number; stdout: string; stderr: string }

export function vkemu(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): RunResult {
  const r = spawnSync(VKEMU, args, {
    encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function image(kind: 'c' | 'go', name: string): string {
  return path.join(ROOT, 'images/build', kind, name);
}

export function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-test-'));
}

/** The "not ok" lines of a self-checking guest program. */
export function failures(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('not ok'));
}
