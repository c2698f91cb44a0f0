// Issue #12, "vCPUs in parallel": the figures behind docs/ARCHITECTURE.md's "vCPUs on native
// threads: decision". `npm run bench -- vcpu`, or `node dist/bench/vcpu.js` after a build.
//   1. bench/vcpu/vcpu (C++ over the addon's Unicorn 2.1): thread hand-offs, lock-prefixed guest
//      instructions of two engines on two threads over one host page, TLB flushes, translating the
//      kernel's code again in a second engine, guest compute on 1/2/4 threads vs one
//   2. bench/vcpu/handoff.node: a native thread's round trip to this JavaScript thread
//   3. with VKEMU_DRAGONFLY, a real VKERNEL64 with -n 1, 2, 4: a compute load and fork+exec, one
//      and four at a time, timed in the guest; for -n 2 and 4 also counted (uprobes on the addon
//      and Unicorn: exits reaching TypeScript, engine runs, guest system calls, TLB flushes,
//      translations) and sampled (perf record: where the CPU time goes), each in its own run.
//      The counts and samples need root and perf; without them that part says so and is left out.
//   4. with VKEMU_VCPU_UNICORN=DIR, a Unicorn built by bench/vcpu/unicorn-parallel.sh into DIR: the
//      lock-prefixed instructions again on it, and (with VKEMU_DRAGONFLY) the real kernel's boot,
//      shell loop and fork+exec on it against the shipped one, two rounds alternating (CPU time)
// Writes bench/results/vcpu.json. Figures, never pass/fail; the load average is printed next to
// every figure that depends on idle cores (the machine is shared).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { atExit } from './cleanup.js';
import { bootDragonfly, dragonflyBuild } from '../test/dragonfly-build.js';
import type { ConsoleGuest } from '../test/vkmini-console.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HERE = path.join(ROOT, 'bench/vcpu');
const log = (s: string): void => { process.stderr.write(`bench vcpu: ${s}\n`); };
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const out: Record<string, unknown> = { date: new Date().toISOString(), cores: os.cpus().length };

// VKEMU_VCPU_PARTS=cc,napi,vkernel,unicorn (default: all) picks the parts, to repeat some when the load is low.
const PARTS = (process.env.VKEMU_VCPU_PARTS ?? 'cc,napi,vkernel,unicorn').split(',');
const built = spawnSync('bash', [path.join(HERE, 'build.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (built.status !== 0) throw new Error('bench/vcpu/build.sh failed');

const build = dragonflyBuild();
const f = (v: number | undefined, d = 2): string => (v === undefined ? '-' : v.toFixed(d));
console.log(`vCPUs on native threads (issue #12), ${os.cpus().length} cores`);

// 1. The C++ experiments (the kernel's symbol table for the translation part).
if (PARTS.includes('cc')) {
  const loadBefore = load();
  log(`C++ experiments (load ${loadBefore})...`);
  const cc = spawnSync(path.join(HERE, 'build/vcpu'), build ? [build.kernel] : [], { encoding: 'utf8', timeout: 600_000 });
  if (cc.status !== 0) throw new Error(`bench/vcpu/build/vcpu: status ${cc.status}: ${cc.stderr}`);
  const exp = JSON.parse(cc.stdout.trim().split('\n').pop()!) as Record<string, number>;
  out.cc = { ...exp, load_before: loadBefore, load_after: load() };
  console.log(`  C++ experiments, load ${loadBefore} before, ${load()} after:`);
  console.log(`  hand-off round trip: futex ${f(exp.futex_roundtrip_us)} µs (pinned to two cores ${f(exp.futex_roundtrip_cross_core_us)}, one core ${f(exp.futex_roundtrip_same_core_us)}), condvar ${f(exp.condvar_roundtrip_us)} µs, spinning ${f(exp.spin_roundtrip_us)} µs`);
  for (const k of ['xadd', 'cmpxchg', 'inc'])
    console.log(`  two engines on two threads, 2×2·10^7 × lock ${k.padEnd(7)}: ${f(exp[`atomic_${k}_lost_pct`], 1)}% of the increments lost (${exp[`atomic_${k}_lost`]})`);
  console.log(`  the same on the host (std::atomic): ${exp.atomic_host_lost} lost`);
  console.log(`  uc_ctl_flush_tlb with 0/64/1024/8192 pages in the TLB: ${[0, 64, 1024, 8192].map((p) => f(exp[`flush_${p}_pages_us`])).join(' / ')} µs; refill ${f(exp.refill_1024_pages_ns_per_page, 0)}-${f(exp.refill_8192_pages_ns_per_page, 0)} ns a page`);
  if (exp.xlate_blocks) console.log(`  translating the kernel's ${exp.xlate_blocks} function entries: ${f(exp.xlate_ms_first_engine, 0)} ms, again in a second engine ${f(exp.xlate_ms_second_engine, 0)} ms (${f(exp.xlate_us_per_block, 1)} µs a block of ${f(exp.xlate_guest_bytes_per_block, 0)} bytes; a cached lookup ${f(exp.xlate_cached_lookup_ns, 0)} ns)`);
  console.log(`  two plain host loops on two threads against one after the other: ${f(exp.host_par2_speedup)}× (what this machine's second core gives now)`);
  for (const n of [1, 2, 4])
    console.log(`  guest compute in ${n} engine(s): one thread ${f(exp[`par${n}_one_thread_ms`], 0)} ms (CPU ${f(exp[`par${n}_one_thread_cpu_ms`], 0)}), ${n} threads ${f(exp[`par${n}_threads_ms`], 0)} ms (CPU ${f(exp[`par${n}_threads_cpu_ms`], 0)}): ${f(exp[`par${n}_speedup`])}×`);
}

// 2. Round trips to this thread.
if (PARTS.includes('napi')) {
  interface Handoff { tsfn(cb: (i: number) => void, rounds: number): void; reply(): void; block(rounds: number): void; waitExit(i: number): void; resume(): void; join(): number }
  const handoff = createRequire(import.meta.url)(path.join(HERE, 'build/Release/handoff.node')) as Handoff;
  const ROUNDS = 20_000;
  const loadBefore = load();
  await new Promise<void>((resolve) => handoff.tsfn((i) => { handoff.reply(); if (i === ROUNDS) resolve(); }, ROUNDS));
  const tsfnNs = handoff.join();
  handoff.block(ROUNDS);
  for (let i = 1; i <= ROUNDS; i++) { handoff.waitExit(i); handoff.resume(); }
  const blockNs = handoff.join();
  out.napi = { tsfn_roundtrip_us: tsfnNs / 1e3, blocking_wait_roundtrip_us: blockNs / 1e3, load: loadBefore };
  console.log(`  to the JavaScript thread and back (load ${loadBefore}): ThreadSafeFunction ${f(tsfnNs / 1e3)} µs, JavaScript waiting in a native call ${f(blockNs / 1e3)} µs`);
}

// 3. A real vkernel.
const PROBES_UNICORN = ['tb_gen_code_x86_64', 'tlb_flush_x86_64', 'tlb_flush_page_x86_64', 'uc_emu_stop'];
// Demangled names in the addon: a return to JavaScript (one per exit TypeScript sees), a run of
// the engine (one per exit, whether C++ or TypeScript handles it), a guest system call instruction.
const PROBES_ADDON: Record<string, string> = {
  ts_exits: 'vkemu::(anonymous namespace)::RunCall(Napi::CallbackInfo const&)',
  engine_runs: 'vkemu::Space::runOnce(vkemu::Thread*, unsigned long)',
  syscalls: 'vkemu::onSyscall(uc_struct*, void*)',
  // MADV_INVAL calls (served in C++ or in TypeScript), and the whole-TLB flushes because a space's
  // mappings changed (MADV_INVAL, munmap, mprotect): with an engine per vCPU, each of those would
  // have to reach every other engine that holds the space. The other flushes (tlb_flush) come with
  // switching spaces, which would stay on the vCPU's own engine.
  invals: 'vkemu::Space::inval(unsigned long, unsigned long, bool)',
  space_flushes: 'vkemu::Space::invalidate()',
};
const ADDON = path.join(ROOT, 'native/build/Release/vkemu_native.node');

function symbolAddr(file: string, name: string, dynamic: boolean): string | undefined {
  const r = spawnSync('nm', [...(dynamic ? ['-D'] : []), '-C', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = line.match(/^([0-9a-f]+) [tT] (.*)$/);
    if (m && m[2] === name) return `0x${m[1]}`;
  }
  return undefined;
}

/** Adds the uprobes (group vkemu_vcpu, removed at exit): their events, or why it cannot. */
function addProbes(): string[] | string {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('perf', ['--version']).status !== 0) return 'no perf';
  spawnSync('perf', ['probe', '-q', '-d', 'vkemu_vcpu:*']);
  atExit(() => { spawnSync('perf', ['probe', '-q', '-d', 'vkemu_vcpu:*']); });
  const unicorn = spawnSync('ldd', [ADDON], { encoding: 'utf8' }).stdout?.match(/libunicorn\.so\S* => (\S+)/)?.[1];
  if (!unicorn) return `no libunicorn in ldd ${ADDON}`;
  const events: string[] = [];
  const add = (file: string, ev: string, addr: string | undefined): string | undefined => {
    if (!addr) return `no symbol for ${ev} in ${file}`;
    const r = spawnSync('perf', ['probe', '-q', '-x', file, '-a', `vkemu_vcpu:${ev}=${addr}`], { encoding: 'utf8' });
    if (r.status !== 0) return `perf probe ${ev}: ${(r.stderr ?? '').trim().split('\n').pop()}`;
    events.push(`vkemu_vcpu:${ev}`);
    return undefined;
  };
  for (const s of PROBES_UNICORN) {
    const why = add(unicorn, s.replace(/_x86_64$/, ''), symbolAddr(unicorn, s, true));
    if (why) return why;
  }
  for (const [ev, s] of Object.entries(PROBES_ADDON)) {
    const why = add(ADDON, ev, symbolAddr(ADDON, s, false));
    if (why) return why;
  }
  return events;
}

/** perf attached to pid while `work` runs; its text output once it has ended. */
async function underPerf(args: string[], pid: number, work: () => Promise<unknown>, attachMs = 500): Promise<string> {
  const p: ChildProcess = spawn('perf', [...args, '-p', String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  p.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  p.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  await new Promise((r) => setTimeout(r, attachMs)); // perf attaches
  await work();
  const done = new Promise((r) => p.on('close', r));
  p.kill('SIGINT');
  await done;
  return text;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(st[11]) + Number(st[12])) / 100; // fields 14 and 15, in USER_HZ (100 on Linux)
}

/**
 * Where the samples of a perf record fell: the guest's translated code (anonymous code perf cannot
 * name: with --perf-basic-prof every JavaScript function has a name), Unicorn (softmmu helpers,
 * TLB fills, translation), the addon, JavaScript and Node, the host kernel, the rest.
 */
function cpuShares(perfData: string): Record<string, number> {
  const rep = spawnSync('perf', ['report', '-i', perfData, '--sort', 'dso,sym', '--stdio', '-q'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const shares: Record<string, number> = { guest_code: 0, unicorn: 0, addon: 0, javascript_node: 0, host_kernel: 0, other: 0 };
  for (const line of (rep.stdout ?? '').split('\n')) {
    const m = line.match(/^\s*([\d.]+)%\s+(.*?)\s+\[([.k])\]\s+(.*\S)\s*$/);
    if (!m) continue;
    const [pct, dso, , sym] = [Number(m[1]), m[2]!, m[3], m[4]!];
    const kind = dso.startsWith('[JIT]') || dso === '[unknown]' ? (/^0x[0-9a-f]+$/.test(sym) ? 'guest_code' : 'javascript_node')
      : dso.startsWith('libunicorn') ? 'unicorn' : dso.startsWith('vkemu_native') ? 'addon'
        : dso === 'node' ? 'javascript_node' : dso.startsWith('[kernel') ? 'host_kernel' : 'other';
    shares[kind]! += pct;
  }
  for (const k of Object.keys(shares)) shares[k] = Math.round(shares[k]! * 10) / 10;
  return shares;
}

/** perf stat -x, output: event (without the group) -> count. */
function perfCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const c = line.split(',');
    const ev = c.find((x) => x.startsWith('vkemu_vcpu:'));
    if (ev && /^\d+$/.test(c[0]!)) counts[ev.slice('vkemu_vcpu:'.length)] = Number(c[0]);
  }
  return counts;
}

function realSeconds(text: string): number {
  const m = text.match(/^real\s+([\d.]+)/m);
  if (!m) throw new Error(`no 'real' time in: ${text.trim().split('\n').slice(-3).join(' | ')}`);
  return Number(m[1]);
}

// Guest workloads, from the kernel's own sh. LOOP: a shell arithmetic loop (user-mode compute
// with few system calls); ECHO: fork+exec+wait of /bin/echo.
const LOOP = 30_000;
const ECHO = 120;
const WORKLOADS: Record<string, string> = {
  compute_x1: `l(){ i=0; while [ $i -lt ${LOOP} ]; do i=$((i+1)); done; }; l`,
  compute_x4: `l(){ i=0; while [ $i -lt ${LOOP} ]; do i=$((i+1)); done; }; l & l & l & l & wait`,
  forkexec_x1: `e(){ i=0; while [ $i -lt ${ECHO} ]; do /bin/echo $i >/dev/null; i=$((i+1)); done; }; e`,
  forkexec_x4: `e(){ i=0; while [ $i -lt ${ECHO / 4} ]; do /bin/echo $i >/dev/null; i=$((i+1)); done; }; e & e & e & e & wait`,
};

if (build && PARTS.includes('vkernel')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-bench-vcpu-'));
  atExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  const guests: ConsoleGuest[] = [];
  atExit(() => { for (const g of guests) g.kill(); });
  const probes = addProbes();
  if (typeof probes === 'string') log(`counts and samples left out: ${probes}`);
  // JavaScript's functions named for perf (/tmp/perf-PID.map): the rest of the anonymous code is
  // the guest's, translated by Unicorn.
  const nodeOptions = process.env.NODE_OPTIONS;
  if (typeof probes !== 'string') process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --perf-basic-prof`.trim();
  const vk: Record<string, Record<string, unknown>> = {};
  out.vkernel = vk;
  for (const n of [1, 2, 4]) {
    const g = bootDragonfly(build, path.join(dir, `n${n}`), ['-n', String(n)]);
    guests.push(g);
    const pid = g.child.pid!;
    // What the boot translates (from when perf is attached, ~0.5 s in: Node's start) is what each
    // further engine would translate again.
    if (n > 1 && typeof probes !== 'string') {
      const counted = await underPerf(['stat', '-x', ',', '-e', 'vkemu_vcpu:tb_gen_code,vkemu_vcpu:tlb_flush'], pid, () => g.booted(180_000), 0);
      vk[`n${n}_boot`] = { counts: perfCounts(counted) };
    } else await g.booted(180_000);
    for (const [name, cmd] of Object.entries(WORKLOADS)) {
      const row: Record<string, unknown> = {};
      vk[`n${n}_${name}`] = row;
      const timed = async (): Promise<number> => realSeconds(await g.cmd(`/usr/bin/time -p sh -c '${cmd}' 2>&1`, 600_000));
      row.load = load();
      // vkemu's CPU time (all its threads; Node's is nearly all of it) against the wall time:
      // below 1, the one thread is waiting, not computing, and more threads could not help.
      const cpu0 = cpuSeconds(pid);
      row.wall_s = await timed();
      row.cpu_s = cpuSeconds(pid) - cpu0;
      if (n > 1 && typeof probes !== 'string') {
        let wall = 0;
        const counted = await underPerf(['stat', '-x', ',', '-e', probes.join(',')], pid, async () => { wall = await timed(); });
        row.counted_wall_s = wall;
        row.counts = perfCounts(counted);
        const perfData = path.join(dir, `perf-${n}-${name}.data`);
        await underPerf(['record', '-q', '-F', '1999', '-o', perfData], pid, timed);
        row.cpu_pct = cpuShares(perfData);
      }
      log(`-n ${n} ${name}: ${f(row.wall_s as number)} s, vkemu CPU ${f(row.cpu_s as number)} s (load ${row.load})${row.counts ? ` ${JSON.stringify(row.counts)}` : ''}`);
    }
    await g.halt(60_000);
    fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS; else process.env.NODE_OPTIONS = nodeOptions;
  console.log(`  a real VKERNEL64 (${path.basename(build.kernel)}), wall seconds in the guest (load at the start of each):`);
  for (const name of Object.keys(WORKLOADS))
    console.log(`    ${name.padEnd(12)} ${[1, 2, 4].map((n) => { const r = vk[`n${n}_${name}`]; return `-n ${n}: ${f(r?.wall_s as number)} s, CPU ${f(r?.cpu_s as number)} s (${String(r?.load).split(' ')[0]})`; }).join('   ')}`);
  for (const n of [2, 4]) {
    const b = vk[`n${n}_boot`]?.counts as Record<string, number> | undefined;
    if (b) console.log(`    -n ${n} boot: ${b.tb_gen_code} translations, ${b.tlb_flush} TLB flushes`);
  }
  for (const n of [2, 4]) for (const name of Object.keys(WORKLOADS)) {
    const row = vk[`n${n}_${name}`];
    const c = row?.counts as Record<string, number> | undefined;
    // Per second of vkemu's CPU time in the uncounted run (the probes slow the counted one down, and
    // on a shared machine the wall time is the other jobs' as much as ours).
    const w = row?.cpu_s as number | undefined;
    if (!c || !w) continue;
    const per = (k: string): string => f((c[k] ?? 0) / w, 0);
    console.log(`    -n ${n} ${name.padEnd(12)} counted ${f(row.counted_wall_s as number)} s; per CPU second of the uncounted run (${f(w)} s): exits to TypeScript ${per('ts_exits')}, engine runs ${per('engine_runs')}, guest syscalls ${per('syscalls')}, stops ${per('uc_emu_stop')}, MADV_INVAL ${per('invals')}, TLB flushes ${per('tlb_flush')} (of them after a mapping change ${per('space_flushes')}; +${per('tlb_flush_page')} single pages), translations ${per('tb_gen_code')}`);
    console.log(`      per fork+exec or loop: ${Object.entries(c).map(([k, v]) => `${k} ${f(v / (name.startsWith('fork') ? ECHO : name.endsWith('x4') ? 4 : 1), 0)}`).join(', ')}`);
    console.log(`      CPU samples (%): ${Object.entries(row.cpu_pct as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
}

// 4. Unicorn with parallel translation (bench/vcpu/unicorn-parallel.sh), against the shipped one.
const parallelLib = process.env.VKEMU_VCPU_UNICORN;
if (parallelLib && PARTS.includes('unicorn')) {
  if (!fs.existsSync(path.join(parallelLib, 'libunicorn.so.2'))) throw new Error(`VKEMU_VCPU_UNICORN=${parallelLib}: no libunicorn.so.2 there (bench/vcpu/unicorn-parallel.sh builds it)`);
  const withLib = { ...process.env, VCPU_ONLY: 'atomic', LD_LIBRARY_PATH: parallelLib };
  const at = spawnSync(path.join(HERE, 'build/vcpu'), [], { encoding: 'utf8', env: withLib, timeout: 600_000 });
  const a = JSON.parse(at.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  const u: Record<string, unknown> = { atomic: a };
  out.unicorn_parallel = u;
  console.log(`  Unicorn with CF_PARALLEL: lost increments, lock xadd ${a.atomic_xadd_lost}, lock cmpxchg ${a.atomic_cmpxchg_lost}, plain inc ${a.atomic_inc_lost}; an uncontended lock xadd ${f(a.xadd_one_engine_ns)} ns`);
  if (build) {
    const rounds: string[] = [];
    for (const round of [1, 2]) for (const lib of ['shipped', 'parallel'] as const) {
      const env = process.env.LD_LIBRARY_PATH;
      if (lib === 'parallel') process.env.LD_LIBRARY_PATH = parallelLib;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-bench-vcpu-lib-'));
      const g = bootDragonfly(build, dir, ['-n', '2']);
      if (env === undefined) delete process.env.LD_LIBRARY_PATH; else process.env.LD_LIBRARY_PATH = env;
      try {
        const t0 = Date.now();
        await g.booted(300_000);
        const row: Record<string, number> = { boot_ms: Date.now() - t0, boot_cpu_s: cpuSeconds(g.child.pid!) };
        for (const name of ['compute_x1', 'forkexec_x1']) {
          const c0 = cpuSeconds(g.child.pid!);
          row[`${name}_wall_s`] = realSeconds(await g.cmd(`/usr/bin/time -p sh -c '${WORKLOADS[name]}' 2>&1`, 600_000));
          row[`${name}_cpu_s`] = cpuSeconds(g.child.pid!) - c0;
        }
        await g.halt(60_000);
        u[`round${round}_${lib}`] = { ...row, load: load() };
        rounds.push(`    round ${round}, ${lib.padEnd(8)}: boot ${row.boot_ms} ms (CPU ${f(row.boot_cpu_s)} s), shell loop CPU ${f(row.compute_x1_cpu_s)} s, ${ECHO} fork+exec CPU ${f(row.forkexec_x1_cpu_s)} s (load ${load().split(' ')[0]})`);
      } finally {
        g.kill();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`  the real kernel (-n 2) on the shipped Unicorn and on the parallel one:\n${rounds.join('\n')}`);
  }
}

fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
// A run of some parts keeps the other parts' figures of an earlier run.
const file = path.join(ROOT, 'bench/results/vcpu.json');
const earlier = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> : {};
fs.writeFileSync(file, JSON.stringify({ ...earlier, ...out }, null, 2) + '\n');
console.log('results: bench/results/vcpu.json');
