// The real DragonFly for the tests and benchmarks that need one: a build made by
// `vkemu dragonfly build --out DIR`, named by VKEMU_DRAGONFLY. Without it they
// skip, saying so in one line.
import fs from 'node:fs';
import path from 'node:path';
import { readRecord, type BuildRecord } from '../src/dragonfly/build.js';
import { ConsoleGuest } from './vkmini-console.js';

export const SKIP_LINE = 'real DragonFly tests skipped: set VKEMU_DRAGONFLY=DIR, a `bin/vkemu dragonfly build --src TREE --out DIR` output';

/** A finished build (OUT/build.json) and its OUT directory. */
export type DragonflyBuild = BuildRecord & { out: string };

/** The build named by VKEMU_DRAGONFLY, or undefined (after printing the skip line once). */
export function dragonflyBuild(): DragonflyBuild | undefined {
  const out = process.env.VKEMU_DRAGONFLY;
  let found: DragonflyBuild | undefined;
  const r = out ? readRecord(out) : undefined;
  if (out && r && fs.existsSync(r.kernel) && fs.existsSync(path.join(r.world, 'bin/sh'))) found = { ...r, out };
  if (!found && !reported) {
    reported = true;
    process.stderr.write(`${out ? `VKEMU_DRAGONFLY=${out} holds no finished build; ` : ''}${SKIP_LINE}\n`);
  }
  return found;
}
let reported = false;

/** The root shell's prompt (root's .profile in the built world: PS1 from `hostname -s`). */
export const SHELL_PROMPT = 'dfly# ';
export const HALTED = 'The operating system has halted.';

/** `vkemu dragonfly boot` with its own state directory; `kernelArgs` go after `--`. */
export function bootDragonfly(b: DragonflyBuild, state: string, kernelArgs: string[] = [], opts: { net?: string; netns?: string; fresh?: boolean } = {}): ConsoleGuest {
  const args = ['dragonfly', 'boot', '--out', b.out, '--state', state];
  if (opts.fresh !== false) args.push('--fresh');
  if (opts.net) args.push('--net', opts.net);
  return new ConsoleGuest([...args, '--', ...kernelArgs], SHELL_PROMPT, opts.netns);
}
