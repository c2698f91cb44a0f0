// The kernel half of `vkemu dragonfly build`: config(8) built for Linux from the
// tree, the kernel configured from sys/config/KERNCONF, then the tree's kernel
// Makefile (depend, all). Results: OUT/kernel (stripped) and OUT/kernel.debug.
import fs from 'node:fs';
import path from 'node:path';
import { BuildError } from './errors.js';
import type { Progress } from './progress.js';
import { run } from './run.js';
import { stale } from './stamps.js';
import { bmakeEnv, supportDir, type BuildDirs } from './toolchain.js';

export interface KernelOptions {
  kernconf: string;
  jobs: number;
  progress: Progress;
}

export interface KernelResult {
  kernel: string;
  debug: string;
}

/** config(8) for the build host: byacc, flex and the host compiler, with our BSD compatibility file. */
async function hostConfig(d: BuildDirs, p: Progress): Promise<string> {
  const src = path.join(d.src, 'usr.sbin/config');
  const dir = path.join(d.host, 'config');
  const bin = path.join(dir, 'config');
  const mk = path.join(supportDir(), 'mk');
  if (fs.existsSync(bin) && !stale(bin, [src, mk])) { p.skip('config(8) for the host'); return bin; }
  p.start('config(8) for the host');
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(d.logs, 'host-config.log');
  fs.rmSync(log, { force: true });
  const o = { cwd: dir, env: process.env, log, what: 'config(8) for the host' };
  // byacc names its header after -o: y.tab.h is what lang.l includes.
  await run('byacc', ['-d', '-o', 'config.c', path.join(src, 'config.y')], o);
  fs.renameSync(path.join(dir, 'config.h'), path.join(dir, 'y.tab.h'));
  await run('flex', ['-o', 'lang.c', path.join(src, 'lang.l')], o);
  const sources = ['main.c', 'mkioconf.c', 'mkmakefile.c', 'mkheaders.c', 'mkoptions.c'].map((f) => path.join(src, f));
  await run('cc', ['-O1', '-w', '-I.', `-I${src}`, '-include', path.join(mk, 'nxcompat.h'), '-D__FBSDID(x)=',
    'config.c', 'lang.c', ...sources, path.join(mk, 'nxcompat.c'), '-o', 'config'], o);
  p.done('config(8) for the host');
  return bin;
}

export async function buildKernel(d: BuildDirs, o: KernelOptions): Promise<KernelResult> {
  const confDir = path.join(d.src, 'sys/config');
  const confFile = path.join(confDir, o.kernconf);
  if (!fs.existsSync(confFile)) throw new BuildError(`kernel configuration ${o.kernconf}: no file ${confFile}`);
  const config = await hostConfig(d, o.progress);
  const objDir = path.join(d.obj, 'kernel', o.kernconf);
  const makefile = path.join(objDir, 'Makefile');
  const log = path.join(d.logs, `kernel-${o.kernconf}.log`);
  const env = bmakeEnv(d, 'vkernel64');
  const confInputs = [confFile, path.join(d.src, 'sys/conf'), path.join(d.src, 'sys/platform/vkernel64/conf')];
  // config(8) leaves an unchanged Makefile alone (its old mtime), so a stamp of
  // our own says when config last ran; .depend goes only when the Makefile changed.
  const configured = path.join(objDir, '.vkemu-configured');
  if (!fs.existsSync(makefile) || !fs.existsSync(configured) || stale(configured, [...confInputs, config])) {
    o.progress.start(`config ${o.kernconf}`);
    fs.mkdirSync(objDir, { recursive: true });
    fs.rmSync(log, { force: true });
    const before = fs.existsSync(makefile) ? fs.statSync(makefile).mtimeMs : -1;
    await run(config, ['-d', objDir, o.kernconf], { cwd: confDir, env, log, what: `config ${o.kernconf}` });
    if (fs.statSync(makefile).mtimeMs !== before) fs.rmSync(path.join(objDir, '.depend'), { force: true });
    fs.writeFileSync(configured, `${new Date().toISOString()}\n`);
    o.progress.done(`config ${o.kernconf}`);
  } else o.progress.skip(`config ${o.kernconf}`);
  const opts = { cwd: objDir, env, log, what: `kernel ${o.kernconf}` };
  // NO_MODULES: a virtual kernel has its drivers built in; the modules would double the build.
  if (!fs.existsSync(path.join(objDir, '.depend'))) {
    o.progress.start(`kernel ${o.kernconf} dependencies`);
    await run('bmake', ['NO_MODULES=yes', 'depend'], opts);
    o.progress.done(`kernel ${o.kernconf} dependencies`);
  } else o.progress.skip(`kernel ${o.kernconf} dependencies`);
  o.progress.start(`kernel ${o.kernconf}`);
  await run('bmake', [`-j${o.jobs}`, 'NO_MODULES=yes', 'all'], opts);
  // kern.post.mk links kernel.debug (with makeoptions DEBUG=-g) or kernel.nodebug, then strips it.
  const built = path.join(objDir, 'kernel.stripped');
  const builtDebug = ['kernel.debug', 'kernel.nodebug'].map((f) => path.join(objDir, f)).find((f) => fs.existsSync(f)) ?? built;
  if (!fs.existsSync(built)) throw new BuildError(`kernel ${o.kernconf}: the build made no ${built} (log: ${log})`);
  const result = { kernel: path.join(d.out, 'kernel'), debug: path.join(d.out, 'kernel.debug') };
  copyIfChanged(built, result.kernel);
  copyIfChanged(builtDebug, result.debug);
  o.progress.done(`kernel ${o.kernconf}`);
  return result;
}

function copyIfChanged(from: string, to: string): void {
  const a = fs.statSync(from);
  const b = fs.existsSync(to) ? fs.statSync(to) : undefined;
  if (b && b.size === a.size && b.mtimeMs >= a.mtimeMs) return;
  fs.copyFileSync(from, `${to}.tmp`);
  fs.chmodSync(`${to}.tmp`, 0o755);
  fs.renameSync(`${to}.tmp`, to);
}

export const KERNEL_STAGES = 4;
