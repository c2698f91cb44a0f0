// Device benchmarks of the devices issue (#5): vkmini's disk, CD and NIC
// commands under vkemu against the same work done by the host.
//   vkd: `dbench 0 MB NRAND` on a 1 GiB sparse data image vs images/c/bench_disk
//        (Linux build) doing the same pread/pwrite/fsync sequence on the same
//        file. Target: sequential >= 50% of the host.
//   vcd: `cdbench 0 MB` vs bench_disk's sequential read of the same ISO.
//   vke: `netbench udp` to a receiver on bridge0 (vkemu's TAP on the bridge)
//        vs images/c/bench_udp sending the same frames over a veth on the
//        same bridge; ICMP echo round trips both ways vs ping(8) over the veth.
//        Target: >= 500 Mbit/s. Skipped with a note when it cannot run.
// Each part runs ROUNDS times, alternating guest and host; the median is kept.
// Writes bench/results/devices.json and devices.svg, prints a table. Figures,
// never pass/fail. Run alone: node dist/bench/devices.js [disk] [cd] [net]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atExit } from './cleanup.js';
import { renderDevicesSvg, type Row } from './devices-svg.js';
import { GUEST_IP, HOST_IP, PEER_IP, makeNetns, netUnavailable, removeNetns, type Netns } from './netns.js';
import { Vkmini } from '../test/vkmini-console.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VKEMU = path.join(ROOT, 'bin/vkemu');
const LINUX = (p: string): string => path.join(ROOT, 'images/build/linux/c', p);

const ROUNDS = 3;
const IMAGE_SIZE = '1g';	// sparse; the first DISK_MB are written before the first run
const DISK_MB = 256;
const NRAND = 4096;
const CD_MB = 256;
const FRAMES = 200_000;	// per UDP run, or NET_SECONDS, whichever comes first
const NET_SECONDS = 5;
const PINGS = 200;
const UDP_PORT = 5001;

type Fig = Record<string, number>;
const log = (s: string): void => { process.stderr.write(`bench devices: ${s}\n`); };
const notes: string[] = [];
const raw: Record<string, Fig[]> = {};
const keep = (key: string, f: Fig): Fig => { (raw[key] ??= []).push(f); return f; };

function median(xs: number[]): number | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

function run(cmd: string, args: string[], timeout = 120_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout, cwd: ROOT });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${(r.stdout + r.stderr).trim().split('\n').slice(-2).join(' | ')}`);
  return r.stdout;
}

/** The JSON line a program of ours printed (its "error" key turned into an exception). */
function jsonOf(text: string, what: string): Fig {
  const line = text.split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${what} printed no figures`);
  const j = JSON.parse(line) as Record<string, number | string>;
  if (typeof j.error === 'string') throw new Error(j.error);
  return j as Fig;
}

/** A scratch directory, removed when done or however the process ends. */
function scratch(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-bench-devices-'));
  const rm = (): void => fs.rmSync(dir, { recursive: true, force: true });
  const forget = atExit(rm);
  return { dir, remove: () => { forget(); rm(); } };
}

function missing(files: string[]): string | undefined {
  const gone = files.filter((f) => !fs.existsSync(f));
  return gone.length ? `${gone.map((f) => path.relative(ROOT, f)).join(', ')} not built (bash images/build-c.sh)` : undefined;
}

const MiB = 1 << 20;
const mbps = (bytes: number, ns: number): number => bytes / MiB / (ns / 1e9);
const perS = (n: number, ns: number): number => n / (ns / 1e9);

/** The figures of one dbench/cdbench JSON line, as rates. */
function diskRates(d: Fig): Fig {
  return {
    seq_write: mbps(d.bytes!, d.seq_write_ns!), seq_read: mbps(d.bytes!, d.seq_read_ns!),
    rand_read: perS(d.nrand!, d.rand_read_ns!), rand_write: perS(d.nrand!, d.rand_write_ns!),
  };
}

/** A data file: bytes 0..mb MiB written with a non-zero pattern, so no run reads or overwrites holes. */
function fill(file: string, mb: number): void {
  const chunk = Buffer.alloc(MiB, 0xa5);
  const fd = fs.openSync(file, 'r+');
  try {
    for (let i = 0; i < mb; i++) fs.writeSync(fd, chunk, 0, MiB, i * MiB);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** vkmini for one benchmark round, killed too if the benchmark is interrupted. */
function boot(args: string[], netns?: string): Vkmini {
  const vk = new Vkmini(args, netns);
  const forget = atExit(() => vk.kill());
  void vk.exit.then(forget);
  return vk;
}

// ---------------------------------------------------------------- vkd and vcd

async function diskAndCd(doDisk: boolean, doCd: boolean, rows: Row[]): Promise<void> {
  const why = missing([LINUX('bench_disk'), path.join(ROOT, 'images/build/vkmini/kernel'), path.join(ROOT, 'images/build/vkmini/disk')]);
  if (why) { notes.push(`vkd/vcd skipped: ${why}`); return; }
  const { dir, remove } = scratch();
  try {
    const img = path.join(dir, 'data.img'), iso = path.join(dir, 'cd.iso');
    run(VKEMU, ['mkimg', 'blank', img, '--size', IMAGE_SIZE]);
    fill(img, DISK_MB);
    if (doCd) {
      const stage = path.join(dir, 'cd');
      fs.mkdirSync(stage);
      fs.writeFileSync(path.join(stage, 'big.bin'), '');
      fill(path.join(stage, 'big.bin'), CD_MB);
      run(VKEMU, ['mkimg', 'iso', iso, '--from', stage]);
      fs.rmSync(stage, { recursive: true });
    }
    const g: Fig[] = [], h: Fig[] = [], gcd: number[] = [], hcd: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      log(`vkd/vcd round ${r}/${ROUNDS}: host`);
      if (doDisk) h.push(diskRates(keep('host_dbench', jsonOf(run(LINUX('bench_disk'), ['dbench', img, String(DISK_MB), String(NRAND)]), 'bench_disk dbench'))));
      if (doCd) {
        const c = keep('host_seqread', jsonOf(run(LINUX('bench_disk'), ['seqread', iso, String(CD_MB)]), 'bench_disk seqread'));
        hcd.push(mbps(c.bytes!, c.seq_read_ns!));
      }
      log(`vkd/vcd round ${r}/${ROUNDS}: vkmini`);
      const vk = boot(['-m', '64m', '-n', '2', '-i', path.join(dir, 'memimg'),
        ...(doDisk ? ['-r', `${img}:BENCH`] : []), ...(doCd ? ['-c', iso] : [])]);
      try {
        await vk.booted(30_000);
        if (doDisk) g.push(diskRates(keep('guest_dbench', await vk.json(`dbench 0 ${DISK_MB} ${NRAND}`, 120_000))));
        if (doCd) {
          const c = keep('guest_cdbench', await vk.json(`cdbench 0 ${CD_MB}`, 120_000));
          gcd.push(mbps(c.bytes!, c.seq_read_ns!));
        }
        await vk.halt().catch(() => undefined);
      } finally {
        vk.kill();
      }
    }
    const med = (xs: Fig[], k: string): number | undefined => median(xs.map((x) => x[k]!));
    if (doDisk) {
      rows.push(
        { group: 'disk-seq', workload: 'vkd seq write 64 KiB + fsync', unit: 'MB/s', guest: med(g, 'seq_write'), base: med(h, 'seq_write'), higher: true, targetRatio: 0.5 },
        { group: 'disk-seq', workload: 'vkd seq read 64 KiB', unit: 'MB/s', guest: med(g, 'seq_read'), base: med(h, 'seq_read'), higher: true, targetRatio: 0.5 },
        { group: 'disk-rand', workload: 'vkd rand read 4 KiB', unit: 'IOPS', guest: med(g, 'rand_read'), base: med(h, 'rand_read'), higher: true },
        { group: 'disk-rand', workload: 'vkd rand write 4 KiB + fsync', unit: 'IOPS', guest: med(g, 'rand_write'), base: med(h, 'rand_write'), higher: true },
      );
    }
    if (doCd) rows.push({ group: 'disk-seq', workload: 'vcd seq read 64 KiB', unit: 'MB/s', guest: median(gcd), base: median(hcd), higher: true });
  } catch (e) {
    notes.push(`vkd/vcd: ${(e as Error).message}`);
  } finally {
    remove();
  }
}

// ---------------------------------------------------------------- vke

const receivers = new Set<() => void>();
/**
 * A bench_udp receiver on bridge0 in the main namespace, once it is ready;
 * `count` is its figures when it ends. (Wrapped in an object: an async
 * function returning a promise would wait for it.)
 */
async function receiver(ns: string): Promise<{ count: Promise<Fig> }> {
  const child = spawn('ip', ['netns', 'exec', ns, LINUX('bench_udp'), 'recv', HOST_IP, String(UDP_PORT), String(NET_SECONDS + 20)]);
  const kill = (): void => { child.kill('SIGKILL'); };
  receivers.add(kill);
  const forget = atExit(kill);
  let out = '';
  child.stdout.setEncoding('utf8');
  const ended = new Promise<void>((resolve) => child.on('close', () => { receivers.delete(kill); forget(); resolve(); }));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => { kill(); reject(new Error('bench_udp recv did not start within 10 s')); }, 10_000);
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) { clearTimeout(t); resolve(); }
    });
    child.on('close', () => { clearTimeout(t); reject(new Error(`bench_udp recv: ${out.trim() || 'exited'}`)); });
  });
  // It ends by itself 0.5 s after the last datagram; killed if the sender never came.
  const t = setTimeout(kill, (NET_SECONDS + 30) * 1000);
  const count = ended.then(() => { clearTimeout(t); return jsonOf(out, 'bench_udp recv'); });
  count.catch(() => undefined);	// awaited by the caller unless the sender failed first
  return { count };
}

/** ping(8) inside a namespace: average and minimum round trip in µs. */
function ping8(ns: string, to: string): Fig {
  const out = run('ip', ['netns', 'exec', ns, 'ping', '-q', '-c', String(PINGS), '-i', '0.01', '-W', '1', to], 60_000);
  const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(out);
  const got = /(\d+) received/.exec(out);
  if (!m) throw new Error(`ping ${to}: no round trip times in: ${out.trim()}`);
  return { min_us: Number(m[1]) * 1000, avg_us: Number(m[2]) * 1000, max_us: Number(m[3]) * 1000, replies: Number(got?.[1] ?? 0) };
}

interface NetFig { mbit: number; fps: number; delivered: number }
function udpRates(s: Fig, rcv: Fig): NetFig {
  return { mbit: (s.frames! * s.frame_bytes! * 8) / 1e6 / (s.ns! / 1e9), fps: perS(s.frames!, s.ns!), delivered: rcv.frames! / s.frames! };
}

async function nic(rows: Row[]): Promise<void> {
  const why = netUnavailable() ?? missing([LINUX('bench_udp'), path.join(ROOT, 'images/build/vkmini/kernel'), path.join(ROOT, 'images/build/vkmini/net')]);
  if (why) { notes.push(`vke skipped: ${why}`); return; }
  const { dir, remove } = scratch();
  let n: Netns | undefined;
  try {
    n = makeNetns();
    const g: NetFig[] = [], v: NetFig[] = [], gping: Fig[] = [], hping: Fig[] = [], vping: Fig[] = [], vping2: Fig[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      log(`vke round ${r}/${ROUNDS}: vkmini on TAP + bridge0`);
      const vk = boot(['-m', '64m', '-n', '2', '-i', path.join(dir, 'memimg'), '-I', `auto:bridge0:${GUEST_IP}/24`], n.main);
      try {
        await vk.booted(30_000);
        const rcv = await receiver(n.main);
        const s = keep('guest_udp', await vk.json(`netbench udp ${HOST_IP} ${UDP_PORT} ${FRAMES} ${NET_SECONDS}`, (NET_SECONDS + 30) * 1000));
        g.push(udpRates(s, keep('guest_udp_recv', await rcv.count)));
        gping.push(keep('guest_ping', await vk.json(`netbench ping ${HOST_IP} ${PINGS}`, PINGS * 2000)));
        hping.push(keep('host_ping_guest', ping8(n.main, GUEST_IP)));
        await vk.halt().catch(() => undefined);
      } finally {
        vk.kill();
      }
      log(`vke round ${r}/${ROUNDS}: veth baseline`);
      const rcv = await receiver(n.main);
      const s = keep('veth_udp', jsonOf(run('ip', ['netns', 'exec', n.peer, LINUX('bench_udp'), 'send', HOST_IP, String(UDP_PORT), String(FRAMES), String(NET_SECONDS)]), 'bench_udp send'));
      v.push(udpRates(s, keep('veth_udp_recv', await rcv.count)));
      vping.push(keep('veth_ping_peer_to_host', ping8(n.peer, HOST_IP)));
      vping2.push(keep('veth_ping_host_to_peer', ping8(n.main, PEER_IP)));
    }
    const med = <T>(xs: T[], f: (x: T) => number): number | undefined => median(xs.map(f));
    rows.push(
      { group: 'net-rate', workload: 'vke UDP 1514-byte frames out', unit: 'Mbit/s', guest: med(g, (x) => x.mbit), base: med(v, (x) => x.mbit), higher: true, target: 500 },
      { group: 'net-fps', workload: 'vke UDP frames out', unit: 'frames/s', guest: med(g, (x) => x.fps), base: med(v, (x) => x.fps), higher: true },
      { group: 'net-lat', workload: 'vke ping RTT guest → host', unit: 'µs', guest: med(gping, (x) => x.avg_ns! / 1000), base: med(vping, (x) => x.avg_us!), higher: false },
      { group: 'net-lat', workload: 'vke ping RTT host → guest', unit: 'µs', guest: med(hping, (x) => x.avg_us!), base: med(vping2, (x) => x.avg_us!), higher: false },
    );
    const pct = (xs: NetFig[]): string => `${((median(xs.map((x) => x.delivered)) ?? 0) * 100).toFixed(1)}%`;
    notes.push(`vke: frames that reached the receiver: guest ${pct(g)}, veth ${pct(v)} (median of ${ROUNDS} runs)`);
    notes.push(`vke: the guest's ping is timed inside vkmini (queueing the request to taking in the reply); the others by ping(8); averages of ${PINGS}`);
  } catch (e) {
    notes.push(`vke: ${(e as Error).message}`);
  } finally {
    for (const kill of receivers) kill();
    removeNetns();
    remove();
  }
}

// ---------------------------------------------------------------- main

const direct = /devices\.js$/.test(process.argv[1] ?? '');
const parts = direct ? process.argv.slice(2).filter((a) => ['disk', 'cd', 'net'].includes(a)) : [];
const want = (p: string): boolean => !parts.length || parts.includes(p);
const rows: Row[] = [];
if (want('disk') || want('cd')) await diskAndCd(want('disk'), want('cd'), rows);
if (want('net')) await nic(rows);
// A partial run (`devices.js net`) keeps the other parts' last figures in the results.
const partOf = (r: Row): string => (r.workload.startsWith('vkd') ? 'disk' : r.workload.startsWith('vcd') ? 'cd' : 'net');
const resultsFile = path.join(ROOT, 'bench/results/devices.json');
if (parts.length && fs.existsSync(resultsFile)) {
  try {
    const old = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { results?: Row[] };
    rows.unshift(...(old.results ?? []).filter((r) => !want(partOf(r))));
  } catch { /* an unreadable old file is simply replaced */ }
}
rows.sort((a, b) => ['disk', 'cd', 'net'].indexOf(partOf(a)) - ['disk', 'cd', 'net'].indexOf(partOf(b)));

const fmt = (x: number | undefined): string => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
/** The guest's figure as a fraction of the baseline's performance (1 = as fast; < 1 = slower). */
const relative = (r: Row): number | undefined =>
  r.guest === undefined || !r.base || !r.guest ? undefined : r.higher ? r.guest / r.base : r.base / r.guest;
const goal = (r: Row): string => {
  const rel = relative(r);
  if (r.targetRatio !== undefined && rel !== undefined) return `>= ${r.targetRatio * 100}% of host: ${rel >= r.targetRatio ? 'met' : 'not met'}`;
  if (r.target !== undefined && r.guest !== undefined) return `>= ${r.target} ${r.unit}: ${r.guest >= r.target ? 'met' : 'not met'}`;
  return '';
};
const table = [['workload', 'unit', 'vkmini/vkemu', 'host|veth', 'guest/host', 'issue target']];
for (const r of rows) {
  const rel = relative(r);
  table.push([r.workload, r.unit + (r.higher ? '' : ' (lower is better)'), fmt(r.guest), fmt(r.base), rel === undefined ? '-' : `${(rel * 100).toFixed(1)}%`, goal(r)]);
}
const widths = table[0]!.map((_, i) => Math.max(...table.map((t) => t[i]!.length)));
console.log(`device benchmarks (median of ${ROUNDS}; ${os.cpus().length} CPUs, machine possibly shared)`);
for (const t of table) console.log(t.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
for (const n of notes) console.log(`note: ${n}`);

const meta = {
  date: new Date().toISOString(), host: `${process.platform} ${process.arch}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
  config: { rounds: ROUNDS, image_size: IMAGE_SIZE, disk_mb: DISK_MB, nrand: NRAND, cd_mb: CD_MB, frames: FRAMES, net_seconds: NET_SECONDS, pings: PINGS },
  method: {
    disk: 'vkmini dbench/cdbench vs images/c/bench_disk (Linux) on the same file: buffered pread/pwrite + fsync on both sides (vkemu does not pass O_DIRECT through), same order and offsets; page cache warm',
    net: 'vkmini netbench (TAP on bridge0) vs images/c/bench_udp send over a veth on the same bridge, both to bench_udp recv on bridge0; rates at the sender, delivery checked at the receiver',
  },
};
const outDir = path.dirname(resultsFile);
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(resultsFile, JSON.stringify({ ...meta, results: rows.map((r) => ({ ...r, relative: relative(r) })), notes, runs: raw }, null, 2) + '\n');
fs.writeFileSync(path.join(outDir, 'devices.svg'), renderDevicesSvg(rows, `${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${meta.host}; median of ${ROUNDS} runs`, notes));
console.log('results: bench/results/devices.json, bench/results/devices.svg');
