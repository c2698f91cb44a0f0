// vkmini boot time: from starting vkemu to vkmini's prompt, and to its exit
// after `halt`, with the programs on the host and from its UFS1 root disk.
// Median of several boots; writes bench/results/vkboot.json. Target (issue 4):
// boot to the prompt in at most 1 s. Then, in one more boot of each kind, vkmini's
// `spawnbench`: a process started and waited for SPAWNS times (vkmini's fork+exec+wait:
// a vmspace, the ELF load, the run, the exit). Figures, never pass/fail.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KERNEL = path.join(ROOT, 'images/build/vkmini/kernel');
const ROOTIMG = path.join(ROOT, 'images/build/vkmini/root.img');
const BOOTS = 7;
const SPAWNS = 200;

/** One boot: ms to the prompt and ms to the end after `halt` (and what `cmd` printed, run first), or an error text. */
function boot(extra: string[], dir: string, cmd = ''): Promise<{ prompt: number; halt: number; out: string } | string> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(path.join(ROOT, 'bin/vkemu'), [KERNEL, '-m', '64m', '-i', path.join(dir, 'memimg'), ...extra], { cwd: ROOT });
    let out = '', prompt = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!prompt && out.includes('vkmini# ')) {
        prompt = ms();
        child.stdin.write(`${cmd ? `${cmd}\n` : ''}halt\n`);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(prompt && code === 0 ? { prompt, halt: ms(), out } : `exit ${code}: ${out.trim().split('\n').pop() ?? ''}`);
    });
  });
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-vkboot-'));
const results: Record<string, { prompt_ms: number; halt_ms: number; spawn_wait_us?: number } | string> = {};
try {
  const variants: [string, string[]][] = [['host programs', []]];
  if (fs.existsSync(ROOTIMG)) {
    fs.copyFileSync(ROOTIMG, path.join(dir, 'root.img'));
    variants.push(['UFS1 root disk', ['-r', path.join(dir, 'root.img')]]);
  }
  for (const [name, extra] of variants) {
    const p: number[] = [], h: number[] = [];
    let err = '';
    for (let i = 0; i < BOOTS; i++) {
      process.stderr.write(`bench: vkmini boot (${name}) ${i + 1}/${BOOTS}...\n`);
      const r = await boot(extra, dir);
      if (typeof r === 'string') { err = r; break; }
      p.push(r.prompt);
      h.push(r.halt);
    }
    if (err) { results[name] = err; continue; }
    process.stderr.write(`bench: vkmini spawnbench ${SPAWNS} (${name})...\n`);
    const sb = await boot(extra, dir, `spawnbench ${SPAWNS}`);
    const line = typeof sb === 'string' ? undefined : sb.out.split('\n').find((l) => l.startsWith('{"bench":"spawnbench"'));
    const each = line ? (JSON.parse(line) as { ns_each: number }).ns_each / 1000 : undefined;
    results[name] = { prompt_ms: Math.round(median(p)), halt_ms: Math.round(median(h)), ...(each !== undefined ? { spawn_wait_us: Math.round(each) } : {}) };
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log('\nvkmini boot (median of ' + BOOTS + '; target: prompt <= 1000 ms)');
for (const [name, r] of Object.entries(results)) {
  console.log(typeof r === 'string' ? `  ${name}: failed: ${r}` : `  ${name}: prompt ${r.prompt_ms} ms, halted and exited ${r.halt_ms} ms` +
    (r.spawn_wait_us !== undefined ? `; spawn+wait of true ${r.spawn_wait_us} us each` : '; spawnbench printed nothing'));
}
fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench/results/vkboot.json'),
  JSON.stringify({ date: new Date().toISOString(), boots: BOOTS, targetPromptMs: 1000, results }, null, 2) + '\n');
