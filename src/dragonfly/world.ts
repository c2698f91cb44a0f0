// The world half of `vkemu dragonfly build`: the installed hierarchy, headers,
// the compiler run-time stand-ins, then each library and program directory built
// and installed by the tree's own Makefile.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BuildError } from './errors.js';
import { HIERARCHY, LIBRARIES, PROGRAMS } from './plan.js';
import type { Progress } from './progress.js';
import { run } from './run.js';
import { newerThan, readStamp, stale, stampFile, writeStamp } from './stamps.js';
import { bmakeEnv, supportDir, type BuildDirs } from './toolchain.js';

export interface WorldOptions {
  jobs: number;
  progress: Progress;
}

function stamps(d: BuildDirs): string {
  return path.join(d.out, 'stamps');
}

/** The source directories a Makefile reads: its own and those on its .PATH (contrib, ../libc, ...). */
function sourceDirs(d: BuildDirs, dir: string): string[] {
  const abs = path.join(d.src, dir);
  const r = spawnSync('bmake', ['-V', '.PATH'], { cwd: abs, env: bmakeEnv(d), encoding: 'utf8' });
  const dirs = new Set([abs]);
  if (r.status === 0) {
    for (const p of r.stdout.trim().split(/\s+/)) {
      if (p && p !== '.' && path.isAbsolute(p) && p.startsWith(d.src) && !p.startsWith(d.obj)) dirs.add(path.normalize(p));
    }
  }
  return [...dirs];
}

/** Builds and installs one directory when it is stale (or `force`); true when make changed its output. */
async function makeDir(d: BuildDirs, dir: string, o: WorldOptions, force: boolean): Promise<boolean> {
  const abs = path.join(d.src, dir);
  if (!fs.existsSync(path.join(abs, 'Makefile'))) throw new BuildError(`${dir}: no Makefile in ${abs} (is the source tree complete?)`);
  const file = stampFile(stamps(d), dir);
  const known = readStamp(file);
  const dirs = known?.dirs ?? sourceDirs(d, dir);
  // The shared makefiles and our shims change every directory's build.
  const common = [path.join(d.src, 'share/mk'), path.join(supportDir(), 'mk'), path.join(supportDir(), 'shims')];
  if (!force && !stale(file, [...dirs, ...common])) {
    o.progress.skip(dir);
    return false;
  }
  o.progress.start(dir);
  const env = bmakeEnv(d);
  const log = path.join(d.logs, `${dir.replace(/\//g, '_')}.log`);
  fs.rmSync(log, { force: true });
  const opts = { cwd: abs, env, log, what: dir };
  await run('bmake', ['obj'], opts);
  // Whether make changed anything: a library that did not change needs no relinking after it.
  const marker = `${log}.start`;
  fs.writeFileSync(marker, '');
  await run('bmake', [`-j${o.jobs}`, 'all'], opts);
  const changed = newerThan(marker, [path.join(d.obj, abs)]);
  fs.rmSync(marker, { force: true });
  if (changed || force) await run('bmake', ['install'], opts);
  writeStamp(file, { dirs: sourceDirs(d, dir) });
  o.progress.done(dir);
  return changed;
}

/** The directory tree of an installed world (etc/mtree), made once. */
function hierarchy(d: BuildDirs, o: WorldOptions): void {
  const file = stampFile(stamps(d), 'hierarchy');
  const specs = HIERARCHY.map(([spec]) => path.join(d.src, spec));
  if (fs.existsSync(file) && !specs.some((s) => fs.statSync(s).mtimeMs > fs.statSync(file).mtimeMs)) return;
  o.progress.start('hierarchy');
  for (const [spec, under] of HIERARCHY) {
    const r = spawnSync(path.join(supportDir(), 'shims/mtree'), ['-deU', '-f', path.join(d.src, spec), '-p', d.world + under]);
    if (r.status !== 0) throw new BuildError(`hierarchy: mtree ${spec} failed: ${r.stderr.toString().trim()}`);
  }
  writeStamp(file, { dirs: [] });
  o.progress.done('hierarchy');
}

/** /usr/include: include/ itself, then every library's own headers (math.h is libm's). */
async function headers(d: BuildDirs, o: WorldOptions): Promise<boolean> {
  const file = stampFile(stamps(d), 'headers');
  const dirs = [path.join(d.src, 'include'), path.join(d.src, 'sys'), ...LIBRARIES.map((l) => path.join(d.src, l))];
  if (!stale(file, dirs, '*.h')) { o.progress.skip('headers'); return false; }
  o.progress.start('headers');
  const env = bmakeEnv(d);
  const log = path.join(d.logs, 'headers.log');
  fs.rmSync(log, { force: true });
  await run('bmake', ['copies', 'install'], { cwd: path.join(d.src, 'include'), env, log, what: 'include' });
  for (const lib of LIBRARIES) {
    const opts = { cwd: path.join(d.src, lib), env, log, what: `${lib} headers` };
    await run('bmake', ['obj'], opts);
    await run('bmake', ['buildincludes'], opts);
    await run('bmake', ['installincludes'], opts);
  }
  writeStamp(file, { dirs: [] });
  o.progress.done('headers');
  return true;
}

/** crtbegin/crtend and libgcc stand-ins (src/dragonfly/runtime). */
async function runtime(d: BuildDirs, o: WorldOptions): Promise<void> {
  const file = stampFile(stamps(d), 'runtime');
  const dir = path.join(supportDir(), 'runtime');
  if (!stale(file, [dir, path.join(supportDir(), 'shims')])) { o.progress.skip('runtime'); return; }
  o.progress.start('runtime');
  await run('sh', [path.join(dir, 'build.sh')], { cwd: dir, env: bmakeEnv(d), log: path.join(d.logs, 'runtime.log'), what: 'runtime' });
  writeStamp(file, { dirs: [] });
  o.progress.done('runtime');
}

export async function buildWorld(d: BuildDirs, o: WorldOptions): Promise<void> {
  fs.mkdirSync(d.world, { recursive: true });
  hierarchy(d, o);
  let relink = await headers(d, o);
  await runtime(d, o);
  for (const lib of LIBRARIES) relink = (await makeDir(d, lib, o, relink)) || relink;
  for (const prog of PROGRAMS) await makeDir(d, prog, o, relink);
}

export const WORLD_STAGES = 3 + LIBRARIES.length + PROGRAMS.length;
