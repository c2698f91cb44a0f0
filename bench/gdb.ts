// GDB stub benchmark: the real gdb drives `vkemu -g` (DragonFly build of
// images/c/gdb_bench.c) and `qemu-x86_64 -g` (its Linux build) the same way:
// single steps per second (`stepi N`) and the round trip of a breakpoint hit
// (`continue` to a breakpoint, N times). Writes bench/results/gdb.json and
// prints a table. Figures, never pass/fail.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STEPS = 5000;
const HITS = 2000;
const LOOPS = '1000000';

interface Figures { steps_per_s: number; bp_roundtrip_us: number }

function listening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      if (fs.readFileSync(f, 'utf8').split('\n').some((l) => l.includes(`:${hex} `) && / 0A /.test(l))) return true;
    } catch { /* no such table */ }
  }
  return false;
}

async function measure(label: string, cmd: string, args: string[], file: string, port: number): Promise<Figures | string> {
  const guest = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  guest.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  try {
    for (let i = 0; i < 100 && !listening(port); i++) await new Promise((r) => setTimeout(r, 50));
    if (!listening(port)) return `${label}: not listening on ${port}: ${err.trim()}`;
    const py = (name: string, body: string): string =>
      `python import time; t0 = time.perf_counter(); ${body}; print("${name} %f" % (time.perf_counter() - t0))`;
    const g = spawnSync('gdb', ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off',
      '-ex', `target remote 127.0.0.1:${port}`, '-ex', 'break main', '-ex', 'continue', '-ex', 'delete',
      '-ex', py('STEPS', `gdb.execute("stepi ${STEPS}", to_string=True)`),
      '-ex', 'break tick',
      '-ex', py('HITS', `[gdb.execute("continue", to_string=True) for i in range(${HITS})]`),
      '-ex', 'kill', file], { encoding: 'utf8', timeout: 600_000 });
    const out = (g.stdout ?? '') + (g.stderr ?? '');
    const steps = /STEPS ([\d.]+)/.exec(out), hits = /HITS ([\d.]+)/.exec(out);
    if (!steps || !hits) return `${label}: gdb said: ${out.trim().split('\n').slice(-3).join(' | ')}`;
    return { steps_per_s: STEPS / Number(steps[1]), bp_roundtrip_us: (Number(hits[1]) / HITS) * 1e6 };
  } finally {
    guest.kill('SIGKILL');
  }
}

const df = path.join(ROOT, 'images/build/c/gdb_bench');
const linux = path.join(ROOT, 'images/build/linux/c/gdb_bench');
const port = 20000 + (process.pid % 20000);
const results: Record<string, Figures | string> = {
  qemu: await measure('qemu-x86_64 -g', 'qemu-x86_64', ['-g', String(port), linux, LOOPS], linux, port),
  vkemu: await measure('vkemu -g', path.join(ROOT, 'bin/vkemu'), ['-g', String(port + 1), df, LOOPS], df, port + 1),
};

const rows = [['gdb stub', 'qemu-x86_64 -g', 'vkemu -g', 'vkemu/qemu']];
const fig = (t: string, k: keyof Figures): number | undefined => (typeof results[t] === 'object' ? (results[t] as Figures)[k] : undefined);
const fmt = (n?: number): string => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
for (const [k, name] of [['steps_per_s', 'single steps/s (higher is better)'], ['bp_roundtrip_us', 'breakpoint hit round trip µs']] as const) {
  const q = fig('qemu', k), v = fig('vkemu', k);
  rows.push([name, fmt(q), fmt(v), q && v ? (v / q).toFixed(2) + 'x' : '-']);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
for (const v of Object.values(results)) if (typeof v === 'string') console.log(`note: ${v}`);
fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench/results/gdb.json'),
  JSON.stringify({ date: new Date().toISOString(), steps: STEPS, hits: HITS, results }, null, 2) + '\n');
console.log('results: bench/results/gdb.json');
