// Test helpers for the GDB stub: vkemu started with `-g 0` (an ephemeral
// port, read back from its "waiting for gdb" line), and real gdb in batch mode.
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, VKEMU } from './helpers.js';

export interface Guest {
  child: ChildProcess;
  port: number;
  out: () => string;
  err: () => string;
  /** Exit status once vkemu ends (bounded by the test's timeout). */
  exit: Promise<number | null>;
  /** Write to the guest's stdin. */
  send: (s: string) => void;
  waitFor: (pred: () => boolean, what: string, ms?: number) => Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kill whatever a test left running (afterEach). */
export function killAll(): void {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
  live.clear();
}

export async function startGuest(args: string[], opts: { stdin?: 'pipe' | 'ignore' } = {}): Promise<Guest> {
  const child = spawn(VKEMU, ['-g', '0', ...args], { cwd: ROOT, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '', err = '';
  const checks = new Set<() => void>();
  const changed = (): void => { for (const c of [...checks]) c(); };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; changed(); });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; changed(); });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => { changed(); resolve(code); }));
  const waitFor = (pred: () => boolean, what: string, ms = 15_000): Promise<void> => {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); checks.delete(check); };
      const check = (): void => { if (pred()) { done(); resolve(); } };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`)); }, ms);
      checks.add(check);
    });
  };
  await waitFor(() => /waiting for gdb on 127\.0\.0\.1:\d+/.test(err) || child.exitCode !== null, 'the gdb stub to listen');
  const m = /waiting for gdb on 127\.0\.0\.1:(\d+)/.exec(err);
  if (!m) throw new Error(`vkemu -g did not listen:\n${err}`);
  return {
    child, port: Number(m[1]), out: () => out, err: () => err, exit, waitFor,
    send: (s) => child.stdin?.write(s),
  };
}

export interface GdbRun { out: string; status: number | null }

/**
 * gdb -batch on `file`, connected to the guest, running `cmds`. `during` may
 * act on the running gdb (e.g. interrupt it) once its output matches `when`.
 */
export function gdb(port: number, file: string, cmds: string[],
  during?: { when: RegExp; act: (g: ChildProcess) => void }, timeoutMs = 40_000): Promise<GdbRun> {
  const args = ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off',
    '-ex', `target remote 127.0.0.1:${port}`, ...cmds.flatMap((c) => ['-ex', c]), ...(file ? [file] : [])];
  const g = spawn('gdb', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(g);
  let out = '';
  let acted = false;
  const timer = setTimeout(() => g.kill('SIGKILL'), timeoutMs);
  const seen = (d: string): void => {
    out += d;
    if (during && !acted && during.when.test(out)) {
      acted = true;
      during.act(g);
    }
  };
  g.stdout!.setEncoding('utf8').on('data', seen);
  g.stderr!.setEncoding('utf8').on('data', seen);
  return new Promise((resolve) => g.on('close', (status) => { clearTimeout(timer); resolve({ out, status }); }));
}
