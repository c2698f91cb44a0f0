// Benchmarks: the same programs natively, under qemu-x86_64 (built for linux)
// and under vkemu (built for dragonfly). Writes bench/results/latest.json and
// latest.svg, and prints a table of ratios. Figures, never pass/fail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const B = (p: string): string => path.join(ROOT, 'images/build', p);

/**
 * `wall`: a real program without its own timer, timed from outside (metric `ms`, which then
 * includes vkemu's start-up); it must exit with `status` and print what the native run prints.
 */
interface Bench {
  name: string; df: string; linux: string; args: string[]; metrics: string[]; env?: Record<string, string>;
  /** `per`: the wall time is divided by it (metric `ms_each`). */
  wall?: { status: number; per?: number };
  /** vkemu's options before the program (-L WORLD). */
  vkemuArgs?: string[];
  /** No qemu-user column: qemu-x86_64 would run only the first program, its children natively. */
  noQemu?: boolean;
}
const GOROOT = spawnSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).stdout?.trim() ?? '';
/** A DragonFly world built by `vkemu dragonfly build` (VKEMU_DRAGONFLY, else the default place), if there is one. */
const WORLD = ((): string | undefined => {
  const w = path.join(process.env.VKEMU_DRAGONFLY ?? path.join(process.env.HOME ?? '/root', '.cache/vkemu/dragonfly'), 'world');
  return fs.existsSync(path.join(w, 'bin/sh')) && fs.existsSync(path.join(w, 'bin/echo')) ? w : undefined;
})();
const EXECS = 200;
const SH_LOOP = `i=0; while [ $i -lt ${EXECS} ]; do /bin/echo x; i=$((i+1)); done`;
const BENCHES: Bench[] = [
  { name: 'c compute', df: B('c/bench_compute'), linux: B('linux/c/bench_compute'), args: [], metrics: ['ms', 'sieve_ms', 'mix_ms'] },
  { name: 'c memory', df: B('c/bench_memory'), linux: B('linux/c/bench_memory'), args: [], metrics: ['ms', 'fill_ms', 'random_ms'] },
  { name: 'c getpid', df: B('c/bench_getpid'), linux: B('linux/c/bench_getpid'), args: [], metrics: ['ns_per_call', 'getuid_ns', 'write_ns', 'pread_ns'] },
  { name: 'c page fault', df: B('c/bench_fault'), linux: B('linux/c/bench_fault'), args: [], metrics: ['ns_per_fault'] },
  { name: 'c threads', df: B('c/bench_threads'), linux: B('linux/c/bench_threads'), args: [], metrics: ['create_join_us', 'pingpong_ns'] },
  { name: 'go compute', df: B('go/bench_compute'), linux: B('linux/go/bench_compute'), args: [], metrics: ['ms'] },
  { name: 'go memory', df: B('go/bench_memory'), linux: B('linux/go/bench_memory'), args: [], metrics: ['ms'] },
  { name: 'go syscall', df: B('go/bench_syscall'), linux: B('linux/go/bench_syscall'), args: [], metrics: ['getpid_ns', 'write_ns'] },
  { name: 'go threads', df: B('go/bench_threads'), linux: B('linux/go/bench_threads'), args: [], metrics: ['roundtrip_ns'] },
  { name: 'c signal', df: B('c/bench_signal'), linux: B('linux/c/bench_signal'), args: [], metrics: ['signal_ns'] },
  { name: 'c fork', df: B('c/bench_fork'), linux: B('linux/c/bench_fork'), args: [], metrics: ['fork_us'] },
  { name: 'c vmspace', df: B('c/bench_vmspace'), linux: B('linux/c/bench_vmspace'), args: [], metrics: ['ctl_rt_us', 'upf_us', 'kva_fill_ns', 'inval_us', 'inval_page_us', 'inval_1g_us'] },
  { name: 'go io', df: B('go/bench_io'), linux: B('linux/go/bench_io'), args: [], metrics: ['pipe_MBps', 'pipe_wake_us', 'tcp_MBps'] },
  // A real Go program: gofmt -l over Go's own src/go (4.2 MB), on one thread. Status 2: one
  // testdata file there is not Go on purpose.
  { name: 'gofmt', df: B('go/gofmt'), linux: B('linux/go/gofmt'), args: ['-l', path.join(GOROOT, 'src/go')], metrics: ['ms'], env: { GOMAXPROCS: '1' }, wall: { status: 2 } },
  // fork+exec+wait of a dynamic program from a shell loop: DragonFly's own sh, /bin/echo, rtld and
  // libc from the built world under vkemu -L, against Linux's /bin/sh and /bin/echo (start-up included).
  ...(WORLD ? [{
    name: 'sh exec loop', df: path.join(WORLD, 'bin/sh'), linux: '/bin/sh', args: ['-c', SH_LOOP], metrics: ['ms_each'],
    wall: { status: 0, per: EXECS }, vkemuArgs: ['-L', WORLD], noQemu: true,
  }] : []),
];
if (!WORLD) process.stderr.write('bench: sh exec loop left out: no DragonFly world (vkemu dragonfly build; VKEMU_DRAGONFLY)\n');

type Target = 'native' | 'qemu' | 'vkemu';
const TARGETS: Record<Target, (b: Bench) => [string, string[]]> = {
  native: (b) => [b.linux, b.args],
  qemu: (b) => ['qemu-x86_64', [b.linux, ...b.args]],
  vkemu: (b) => [path.join(ROOT, 'bin/vkemu'), [...(b.vkemuArgs ?? []), b.df, ...b.args]],
};

function runOnce(b: Bench, cmd: string, args: string[]): Record<string, number | string> | string {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env: { ...process.env, ...b.env } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (b.wall) {
    if (r.status !== b.wall.status) return `failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`;
    return b.wall.per ? { ms_each: ms / b.wall.per, stdout: r.stdout } : { ms, stdout: r.stdout };
  }
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return `failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`;
  return JSON.parse(line) as Record<string, number | string>;
}

const only = process.argv.slice(2);
const results: { bench: string; metric: string; native?: number; qemu?: number; vkemu?: number; errors: string[] }[] = [];
for (const b of BENCHES) {
  if (only.length && !only.some((o) => b.name.includes(o))) continue;
  const got: Partial<Record<Target, Record<string, number | string>>> = {};
  const errors: string[] = [];
  for (const t of Object.keys(TARGETS) as Target[]) {
    if (t === 'qemu' && b.noQemu) continue;
    process.stderr.write(`bench: ${b.name} on ${t}...\n`);
    const [cmd, args] = TARGETS[t](b);
    const r = runOnce(b, cmd, args);
    if (typeof r === 'string') errors.push(`${t}: ${r}`);
    else got[t] = r;
  }
  for (const t of ['qemu', 'vkemu'] as const)
    if (b.wall && got[t] && got.native && got[t].stdout !== got.native.stdout) errors.push(`${t}: printed something else than the native run`);
  for (const m of b.metrics) {
    const v = (t: Target): number | undefined => (typeof got[t]?.[m] === 'number' ? (got[t]![m] as number) : undefined);
    results.push({ bench: b.name, metric: m, native: v('native'), qemu: v('qemu'), vkemu: v('vkemu'), errors });
  }
}

const fmt = (n: number | undefined): string => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
// Rates (MB/s, per second) are better when higher; everything else is a time.
const higherIsBetter = (metric: string): boolean => /ps$|per_s$/i.test(metric);
/** How many times slower vkemu is than the baseline (> 1: slower), whatever the metric's direction. */
const slowdown = (metric: string, vk?: number, base?: number): number | undefined =>
  vk === undefined || !base || !vk ? undefined : higherIsBetter(metric) ? base / vk : vk / base;
const ratio = (q?: number): string => (q === undefined ? '-' : q.toFixed(2) + 'x');
const rows = [['benchmark', 'metric', 'native', 'qemu-user', 'vkemu', 'slowdown vs qemu', 'vs native']];
for (const r of results) rows.push([r.bench, r.metric, fmt(r.native), fmt(r.qemu), fmt(r.vkemu),
  ratio(slowdown(r.metric, r.vkemu, r.qemu)), ratio(slowdown(r.metric, r.vkemu, r.native))]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
for (const r of results) for (const e of r.errors) console.log(`note: ${r.bench}: ${e}`);

fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const meta = { date: new Date().toISOString(), host: `${process.platform} ${process.arch}`, higherIsBetter: 'metrics ending in ps (MB/s, per second); all others are times' };
// A run replaces the figures of the benchmarks it measured and keeps the others
// (`npm run bench -- gofmt` must not blank them); each row says when it was measured.
const latestPath = path.join(ROOT, 'bench/results/latest.json');
let all: typeof results = results;
if (results.length) {
  type Row = (typeof results)[number] & { date?: string };
  let kept: Row[] = [];
  try { kept = (JSON.parse(fs.readFileSync(latestPath, 'utf8')) as { results: Row[] }).results ?? []; } catch { /* first run */ }
  const measured = new Set(results.map((r) => `${r.bench}\0${r.metric}`));
  const merged = [...kept.filter((r) => !measured.has(`${r.bench}\0${r.metric}`)), ...results.map((r) => ({ ...r, date: meta.date }))];
  const order = (r: Row): number => { const i = BENCHES.findIndex((b) => b.name === r.bench); return i < 0 ? BENCHES.length : i; };
  merged.sort((a, b) => order(a) - order(b));
  fs.writeFileSync(latestPath, JSON.stringify({ ...meta, results: merged }, null, 2) + '\n');
  all = merged;
}

// A bar chart of vkemu/qemu and vkemu/native per metric, log scale.
const bars = all.filter((r) => r.vkemu !== undefined);
const W = 900, rowH = 26, left = 230, H = 60 + bars.length * rowH;
const x = (v: number): number => left + (Math.log10(v) + 1) / 3 * (W - left - 20); // 0.1x .. 100x
const svg: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  `<text x="10" y="20" font-size="14">vkemu slowdown relative to qemu-user (blue) and native (grey); 1x line; lower is better</text>`];
for (const tick of [0.1, 1, 10, 100]) svg.push(`<line x1="${x(tick)}" y1="30" x2="${x(tick)}" y2="${H - 10}" stroke="${tick === 1 ? '#000' : '#ddd'}"/><text x="${x(tick) + 2}" y="42">${tick}x</text>`);
bars.forEach((r, i) => {
  const y = 50 + i * rowH;
  svg.push(`<text x="10" y="${y + 14}">${r.bench}: ${r.metric}</text>`);
  const draw = (v: number | undefined, color: string, dy: number): void => {
    const q = slowdown(r.metric, r.vkemu, v);
    if (q === undefined) return;
    svg.push(`<rect x="${x(0.1)}" y="${y + dy}" width="${Math.max(1, x(Math.min(Math.max(q, 0.1), 100)) - x(0.1))}" height="9" fill="${color}"/><text x="${x(Math.min(Math.max(q, 0.1), 100)) + 4}" y="${y + dy + 9}">${q.toFixed(2)}x</text>`);
  };
  draw(r.qemu, '#3c78d8', 2);
  draw(r.native, '#999', 12);
});
svg.push('</svg>');
if (results.length) {
  fs.writeFileSync(path.join(ROOT, 'bench/results/latest.svg'), svg.join('\n') + '\n');
  console.log('results: bench/results/latest.json, bench/results/latest.svg');
}
// The GDB stub's figures (bench/gdb.ts): single steps/s and breakpoint round trip vs qemu-x86_64 -g.
if (!only.length || only.includes('gdb')) await import('./gdb.js');
if (!only.length || only.includes('vkboot')) await import('./vkboot.js'); // vkmini boot to its prompt: bench/results/vkboot.json
if (!only.length || only.includes('devices')) await import('./devices.js'); // vkmini disk/CD/NIC vs the host: bench/results/devices.*
// vCPUs on native threads, the figures of that decision (bench/vcpu.ts): bench/results/vcpu.json. Only when
// asked for (`npm run bench -- vcpu`): it boots the real kernel up to seven times and, as root, adds uprobes.
if (only.includes('vcpu')) await import('./vcpu.js');
// A real DragonFly built from source (VKEMU_DRAGONFLY): boot, fork+exec, vkd1, vke0: bench/results/dragonfly.*
if (!only.length || only.includes('dragonfly')) await import('./dragonfly.js');
// The speed issue's goals, each with its latest figure (bench/summary.ts).
console.log(`\n${(await import('./summary.js')).issueSummary()}`);
