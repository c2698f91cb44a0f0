// `vkemu dragonfly boot`: the built kernel on a root disk made from the built world,
// with the memory image and a working copy of the disk in a state directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mkimgDisk } from '../tools/mkimg.js';
import { readRecord, type BuildRecord } from './build.js';
import { BuildError } from './errors.js';
import { smallMemoryWarning } from './smallmem.js';

export interface BootOptions {
  out: string;
  /** Start from a fresh copy of the built root disk. */
  fresh: boolean;
  /** Where the working copy of the disk and the memory image live (OUT/state). */
  state?: string;
  /** -I auto:bridge0 (and rc.conf's vke0 address when given). */
  net?: { bridge: string; address?: string };
  gdbPort?: number;
  /** More vkernel(7) options, after ours: a later -m or -n wins, a -r adds vkd1, vkd2, ... */
  kernelArgs: string[];
  say: (s: string) => void;
}

export interface BootPlan {
  record: BuildRecord;
  /** bin/vkemu's arguments: -L WORLD KERNEL and the kernel's options. */
  argv: string[];
}

/** Leaves out of the root disk what only building needs (headers, static libraries). */
function rootTree(world: string, staging: string): void {
  fs.rmSync(staging, { recursive: true, force: true });
  const r = spawnSync('cp', ['-al', world, staging]);
  if (r.status !== 0) throw new BuildError(`cannot stage the world ${world} in ${staging}: ${r.stderr.toString().trim()}`);
  fs.rmSync(path.join(staging, 'usr/include'), { recursive: true, force: true });
  // Whatever programs run under -L WORLD left in its temporary directories stays on the host.
  for (const t of ['tmp', 'var/tmp']) {
    const dir = path.join(staging, t);
    if (fs.existsSync(dir)) for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.a')) fs.rmSync(p);
    }
  };
  walk(path.join(staging, 'usr/lib'));
}

function newestStamp(out: string): number {
  const dir = path.join(out, 'stamps');
  let t = 0;
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    t = Math.max(t, fs.statSync(path.join(dir, f)).mtimeMs);
  }
  return t;
}

/** Makes the root image when the world is newer than it; returns its path. */
export function rootImage(out: string, world: string, say: (s: string) => void): string {
  const image = path.join(out, 'root.img');
  if (fs.existsSync(image) && fs.statSync(image).mtimeMs >= newestStamp(out)) return image;
  say(`vkemu dragonfly: making the root disk ${image} from ${world}\n`);
  const staging = path.join(out, 'rootfs');
  rootTree(world, staging);
  try {
    const du = spawnSync('du', ['-sb', staging], { encoding: 'utf8' });
    const used = Number(du.stdout.split('\t')[0]) || 0;
    // Room to write in the guest: twice the world, at least 512 MiB.
    const size = Math.max(512 * 1024 * 1024, used * 2);
    mkimgDisk('root', image, staging, size, (l) => say(`${l}\n`));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return image;
}

export function planBoot(o: BootOptions): BootPlan {
  const record = readRecord(o.out);
  if (!record) throw new BuildError(`no DragonFly build in ${o.out}: run 'vkemu dragonfly build --src DIR --out ${o.out}' first`);
  if (!fs.existsSync(record.kernel)) throw new BuildError(`the kernel ${record.kernel} is missing: run 'vkemu dragonfly build' again`);
  const image = rootImage(o.out, record.world, o.say);
  const state = path.resolve(o.state ?? path.join(o.out, 'state'));
  fs.mkdirSync(state, { recursive: true });
  const disk = path.join(state, 'root.img');
  if (o.fresh || !fs.existsSync(disk) || fs.statSync(image).mtimeMs > fs.statSync(disk).mtimeMs) {
    o.say(`vkemu dragonfly: fresh working copy of the root disk in ${disk}\n`);
    fs.rmSync(disk, { force: true });
    const cp = spawnSync('cp', ['--sparse=always', image, disk]);
    if (cp.status !== 0) throw new BuildError(`cannot copy ${image} to ${disk}: ${cp.stderr.toString().trim()}`);
  }
  const memimg = path.join(state, 'memimg.000000');
  const argv: string[] = [];
  if (o.gdbPort !== undefined) argv.push('-g', String(o.gdbPort));
  argv.push('-L', record.world, record.kernel, '-m', '256m', '-n', '2', '-i', memimg, '-r', disk);
  if (o.net) {
    argv.push('-I', `auto:${o.net.bridge}`);
    if (o.net.address) argv.push('-e', `ifconfig_vke0=inet ${o.net.address}`);
  }
  argv.push(...o.kernelArgs);
  const warning = smallMemoryWarning(record.release, argv.slice(argv.indexOf(record.kernel) + 1));
  if (warning) o.say(`vkemu dragonfly: warning: ${warning}`);
  return { record, argv };
}

/**
 * Boots on this terminal; resolves with the kernel's exit status. vkemu runs in
 * this process (no second node): signals reach it directly, and a kill of this
 * process leaves no orphaned kernel behind.
 */
export async function boot(o: BootOptions): Promise<number> {
  const plan = planBoot(o);
  o.say(`vkemu dragonfly: booting DragonFly ${plan.record.release} (${plan.record.kernconf}): vkemu ${plan.argv.join(' ')}\n`);
  const { main } = await import('../cli.js');
  return main(plan.argv);
}
