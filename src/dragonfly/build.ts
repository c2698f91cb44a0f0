// `vkemu dragonfly build`: a DragonFly source tree → OUT/kernel, OUT/kernel.debug
// and OUT/world (the small world, with /etc), incrementally.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEtc } from './etc.js';
import { BuildError } from './errors.js';
import { buildKernel, KERNEL_STAGES } from './kernel.js';
import { TREE_MARKERS } from './plan.js';
import { consoleProgress } from './progress.js';
import { buildDirs, ensureHostTools } from './toolchain.js';
import { buildWorld, WORLD_STAGES } from './world.js';

export interface BuildOptions {
  src: string;
  out: string;
  kernconf: string;
  jobs: number;
  /** Build only one half. */
  only?: 'kernel' | 'world';
  say: (s: string) => void;
}

/** What a finished build leaves in OUT/build.json, for `dragonfly boot`, tests and benchmarks. */
export interface BuildRecord {
  src: string;
  kernconf: string;
  release: string;
  kernel: string;
  kernelDebug: string;
  world: string;
  finished: string;
}

export function defaultOut(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'vkemu', 'dragonfly');
}

/** "5.9-DEVELOPMENT", from the BRANCH line of sys/conf/newvers.sh ("DEVELOPMENT_5_9"). */
export function treeRelease(src: string): string {
  const text = fs.readFileSync(path.join(src, 'sys/conf/newvers.sh'), 'utf8');
  const m = text.match(/^BRANCH="?([A-Za-z]+)_(\d+(?:_\d+)*)"?/m);
  return m ? `${m[2].replace(/_/g, '.')}-${m[1]}` : 'unknown';
}

export function checkTree(src: string): void {
  if (!fs.existsSync(src)) throw new BuildError(`--src ${src}: no such directory`);
  const missing = TREE_MARKERS.filter((m) => !fs.existsSync(path.join(src, m)));
  if (missing.length) throw new BuildError(`--src ${src} is not a DragonFly source tree: ${missing.join(', ')} missing`);
}

export function readRecord(out: string): BuildRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(out, 'build.json'), 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

export async function build(o: BuildOptions): Promise<BuildRecord> {
  const src = path.resolve(o.src);
  const out = path.resolve(o.out);
  checkTree(src);
  if (out === src || out.startsWith(src + path.sep)) throw new BuildError(`--out ${out} is inside the source tree; choose a directory outside it`);
  fs.mkdirSync(out, { recursive: true });
  const d = buildDirs(src, out);
  const t0 = Date.now();
  o.say(`vkemu dragonfly build: DragonFly ${treeRelease(src)} from ${src} into ${out} (-j${o.jobs}; logs in ${d.logs})\n`);
  ensureHostTools((s) => o.say(`${s}\n`));
  // Recorded first, so a later run after a failure knows the tree without --src.
  const prev = readRecord(out);
  const started: BuildRecord = {
    src, kernconf: o.kernconf, release: treeRelease(src), kernel: prev?.kernel ?? path.join(out, 'kernel'),
    kernelDebug: prev?.kernelDebug ?? path.join(out, 'kernel.debug'), world: d.world, finished: prev?.finished ?? '',
  };
  fs.writeFileSync(path.join(out, 'build.json'), `${JSON.stringify(started, null, 2)}\n`);
  const total = (o.only === 'kernel' ? 0 : WORLD_STAGES + 1) + (o.only === 'world' ? 0 : KERNEL_STAGES);
  const progress = consoleProgress(total, o.say);
  // The kernel links against the world's libc and libpthread, so the world comes first.
  if (o.only !== 'kernel') {
    await buildWorld(d, { jobs: o.jobs, progress });
    buildEtc(d, progress);
  } else if (!fs.existsSync(path.join(d.world, 'lib/libc.so.8'))) {
    throw new BuildError(`--only kernel: the kernel links against the world's libc, and ${d.world} has none yet; build the world first`);
  }
  let kernel = started.kernel;
  let kernelDebug = started.kernelDebug;
  if (o.only !== 'world') ({ kernel, debug: kernelDebug } = await buildKernel(d, { kernconf: o.kernconf, jobs: o.jobs, progress }));
  const record: BuildRecord = {
    src, kernconf: o.kernconf, release: treeRelease(src), kernel, kernelDebug, world: d.world, finished: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(out, 'build.json'), `${JSON.stringify(record, null, 2)}\n`);
  const s = progress.summary();
  const secs = (Date.now() - t0) / 1000;
  o.say(`built ${s.built} stage(s), ${s.upToDate} up to date, in ${secs < 90 ? `${secs.toFixed(0)} s` : `${(secs / 60).toFixed(1)} min`}\n`);
  o.say(`kernel: ${kernel}\nworld:  ${d.world}\nboot:   bin/vkemu dragonfly boot --out ${out}\n`);
  return record;
}
