// The speed issue's table (#12), from the result files the benchmarks wrote: each goal
// with the latest figure, its ratio and whether it is met. Printed at the end of
// `npm run bench` and by `node dist/bench/summary.js`; rows whose figures are missing
// (a benchmark not run, no DragonFly build) say so. Figures, never pass/fail.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const RESULTS = path.resolve(import.meta.dirname, '../../bench/results');

type Json = Record<string, unknown>;
function load(name: string): Json | undefined {
  try { return JSON.parse(fs.readFileSync(path.join(RESULTS, name), 'utf8')) as Json; } catch { return undefined; }
}

interface ProgramRow { bench: string; metric: string; native?: number; qemu?: number; vkemu?: number }
interface DeviceRow { workload: string; guest?: number; base?: number }

/** One line of the table: the figures, the one the goal is about, and the goal. */
interface Line {
  what: string; unit: string; native?: number; qemu?: number; vkemu?: number;
  /** What is compared with the goal: vkemu itself, or vkemu over a baseline. */
  measure?: number; goal: string; met?: boolean; measured?: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function table(): Line[] {
  const latest = (load('latest.json')?.results ?? []) as ProgramRow[];
  const prog = (bench: string, metric: string): ProgramRow | undefined => latest.find((r) => r.bench === bench && r.metric === metric);
  const lines: Line[] = [];
  /** A time (or a rate, `higher`) against qemu-user: vkemu / qemu for times, qemu / vkemu for rates, at most `max`. */
  const vsQemu = (what: string, bench: string, metric: string, unit: string, max: number, higher = false): void => {
    const r = prog(bench, metric);
    const ratio = r?.vkemu && r.qemu ? (higher ? r.qemu / r.vkemu : r.vkemu / r.qemu) : undefined;
    const said = ratio === undefined ? undefined : ratio >= 1 ? `${ratio.toFixed(2)}x slower than qemu` : `${(1 / ratio).toFixed(2)}x faster than qemu`;
    lines.push({ what, unit, native: r?.native, qemu: r?.qemu, vkemu: r?.vkemu, measure: ratio, measured: said,
      goal: max === 1 && higher ? '>= qemu' : `<= ${max}x qemu`, met: ratio === undefined ? undefined : ratio <= max });
  };
  /** vkemu's own figure against an absolute goal. */
  const absolute = (what: string, unit: string, v: number | undefined, max: number, extra: Partial<Line> = {}): void => {
    lines.push({ what, unit, vkemu: v, measure: v, goal: `<= ${max} ${unit}`, met: v === undefined ? undefined : v <= max, ...extra });
  };
  vsQemu('gofmt -l src/go', 'gofmt', 'ms', 'ms', 1.3);
  vsQemu('Go compute', 'go compute', 'ms', 'ms', 1.2);
  vsQemu('Go memory', 'go memory', 'ms', 'ms', 1.2);
  vsQemu('C compute, sieve', 'c compute', 'sieve_ms', 'ms', 1.2);
  vsQemu('write(2) to /dev/null, Go', 'go syscall', 'write_ns', 'ns', 1);
  vsQemu('write(2) to /dev/null, C', 'c getpid', 'write_ns', 'ns', 1);
  vsQemu('Go pipe', 'go io', 'pipe_MBps', 'MB/s', 1, true);
  vsQemu('Go TCP loopback', 'go io', 'tcp_MBps', 'MB/s', 1, true);
  vsQemu('fork+exit+wait', 'c fork', 'fork_us', 'us', 1);
  const sh = prog('sh exec loop', 'ms_each');
  absolute('sh loop: fork+exec+wait of /bin/echo (the world under -L)', 'ms', sh?.vkemu, 3, { native: sh?.native });
  const dfly = load('dragonfly.json');
  absolute('the same inside a real VKERNEL64', 'ms', num(dfly?.guest_fork_exec_ms), 3);
  absolute('null call served in TypeScript (getuid)', 'ns', prog('c getpid', 'getuid_ns')?.vkemu, 250);
  absolute('vmspace_ctl round trip', 'us', prog('c vmspace', 'ctl_rt_us')?.vkemu, 2);
  const init = num(dfly?.start_to_init_ms);
  if (init !== undefined) absolute('real VKERNEL64: start to init running', 'ms', init, 1500);
  absolute('real VKERNEL64: start to the root shell', 'ms', num(dfly?.boot_to_prompt_ms), 3000);
  const devices = (load('devices.json')?.results ?? []) as DeviceRow[];
  for (const [what, workload] of [['vkd sequential read, vkmini', 'vkd seq read 64 KiB'], ['vkd sequential write, vkmini', 'vkd seq write 64 KiB + fsync']]) {
    const d = devices.find((r) => r.workload === workload);
    const share = d?.guest && d.base ? d.guest / d.base : undefined;
    lines.push({ what, unit: 'MB/s', native: d?.base, vkemu: d?.guest, measure: share, measured: share === undefined ? undefined : `${(share * 100).toFixed(0)}% of host`,
      goal: '>= 60% of host', met: share === undefined ? undefined : share >= 0.6 });
  }
  for (const [what, g, h] of [['vkd dd read, real kernel', 'vkd_read_MBps', 'host_read_MBps'], ['vkd dd write, real kernel', 'vkd_write_MBps', 'host_write_MBps']]) {
    const guest = num(dfly?.[g]), host = num(dfly?.[h]);
    const share = guest && host ? guest / host : undefined;
    lines.push({ what, unit: 'MB/s', native: host, vkemu: guest, measure: share, measured: share === undefined ? undefined : `${(share * 100).toFixed(0)}% of host`,
      goal: '>= 50% of host', met: share === undefined ? undefined : share >= 0.5 });
  }
  const gdb = load('gdb.json')?.results as { qemu?: { steps_per_s?: number }; vkemu?: { steps_per_s?: number } } | undefined;
  const q = gdb?.qemu?.steps_per_s, v = gdb?.vkemu?.steps_per_s;
  lines.push({ what: 'gdb single steps', unit: '/s', qemu: q, vkemu: v, measure: q && v ? v / q : undefined,
    measured: q && v ? `${(v / q).toFixed(2)}x qemu` : undefined, goal: '>= 1x qemu', met: q && v ? v >= q : undefined });
  return lines;
}

const fmt = (n: number | undefined): string => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** The table as text, one row per goal. */
export function issueSummary(): string {
  const rows = [['issue #12 goal', 'unit', 'native/host', 'qemu-user', 'vkemu', 'measured', 'goal', '']];
  for (const l of table()) {
    const measured = l.measured ?? (l.measure === undefined ? 'not measured' : `${fmt(l.measure)} ${l.unit}`);
    rows.push([l.what, l.unit, fmt(l.native), fmt(l.qemu), fmt(l.vkemu), measured, l.goal, l.met === undefined ? '' : l.met ? 'met' : 'not met']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') +
    '\n(each figure from the latest run that measured it: bench/results/*.json; ratios hold within one run only)\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(issueSummary());
