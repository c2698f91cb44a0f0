// The Linux tools a DragonFly cross build needs, where Debian keeps them, and the
// environment bmake runs in (the tree's own share/mk, plus our mk/ and shims/).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BuildError } from './errors.js';
import { ROOT } from '../paths.js';

/** Tool on PATH → the Debian 12 package that has it. */
export const HOST_TOOLS: ReadonlyArray<readonly [tool: string, pkg: string]> = [
  ['clang', 'clang'],
  ['ld.lld', 'lld'],
  ['llvm-ar', 'llvm'],
  ['llvm-strip', 'llvm'],
  ['bmake', 'bmake'],
  ['mawk', 'mawk'],
  ['byacc', 'byacc'],
  ['flex', 'flex'],
  ['m4', 'm4'],
  ['unifdef', 'unifdef'],
  ['rpcgen', 'rpcsvc-proto'],
  ['cc', 'gcc'],
  ['makefs', 'makefs'],
  ['gzip', 'gzip'],
];

/** Files (not commands) the build needs: compiler-rt's builtins become the world's libgcc. */
const HOST_FILES: ReadonlyArray<readonly [file: () => string, pkg: string]> = [
  [() => path.join(resourceDir(), 'lib/linux/libclang_rt.builtins-x86_64.a'), 'libclang-rt-14-dev'],
];

function resourceDir(): string {
  try {
    return execFileSync('clang', ['-print-resource-dir'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/lib/llvm-14/lib/clang/14.0.6';
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, tool)));
}

function missing(): string[] {
  const pkgs = new Set<string>();
  for (const [tool, pkg] of HOST_TOOLS) if (!onPath(tool)) pkgs.add(pkg);
  if (onPath('clang')) for (const [file, pkg] of HOST_FILES) if (!fs.existsSync(file())) pkgs.add(pkg);
  return [...pkgs];
}

/**
 * Installs what is missing with apt-get, as scripts/setup.sh does; without root
 * (or apt), stops with one line naming the tools and the packages that have them.
 */
export function ensureHostTools(say: (s: string) => void): void {
  const need = missing();
  if (need.length === 0) return;
  const canApt = process.getuid?.() === 0 && onPath('apt-get');
  if (!canApt) throw new BuildError(`missing build tools: install the Debian packages ${need.join(' ')}`);
  say(`installing ${need.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...need], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    const again = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...need], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (again.status !== 0) throw new BuildError(`apt-get could not install ${need.join(' ')}: ${again.stderr.toString().trim().split('\n').pop() ?? ''}`);
  }
  const still = missing();
  if (still.length) throw new BuildError(`still missing after apt-get: ${still.join(' ')}`);
}

/** The project's own build support files (shims/, mk/, runtime/), beside the sources in src/dragonfly. */
export function supportDir(): string {
  // Always the sources' directory: neither tsc (dist/src) nor the bundle (dist/bundle) copies shell scripts.
  const dir = path.join(ROOT, 'src/dragonfly');
  if (fs.existsSync(path.join(dir, 'shims/cc'))) return dir;
  throw new BuildError(`vkemu's build support files (shims/cc) are not in ${dir}`);
}

export interface BuildDirs {
  src: string;
  out: string;
  world: string;
  obj: string;
  logs: string;
  host: string;
}

export function buildDirs(src: string, out: string): BuildDirs {
  return {
    src, out,
    world: path.join(out, 'world'),
    obj: path.join(out, 'obj'),
    logs: path.join(out, 'logs'),
    host: path.join(out, 'host'),
  };
}

/** The environment of every bmake: the cross compiler, the tree's share/mk after ours. */
export function bmakeEnv(d: BuildDirs, platform: 'pc64' | 'vkernel64' = 'pc64'): NodeJS.ProcessEnv {
  const support = supportDir();
  return {
    ...process.env,
    PATH: `${path.join(support, 'shims')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    VKEMU_DFLY_SHIMS: path.join(support, 'shims'),
    VKEMU_DFLY_MK: path.join(support, 'mk'),
    VKEMU_DFLY_SYSROOT: d.world,
    VKEMU_DFLY_HOST: d.host,
    MAKESYSPATH: `${path.join(support, 'mk')}:${path.join(d.src, 'share/mk')}`,
    MAKEOBJDIRPREFIX: d.obj,
    MACHINE: 'x86_64',
    MACHINE_ARCH: 'x86_64',
    MACHINE_PLATFORM: platform,
    DESTDIR: d.world,
    // Make flags of an outer make (npm, a user's shell) must not leak in.
    MAKEFLAGS: '',
    MFLAGS: '',
  };
}
