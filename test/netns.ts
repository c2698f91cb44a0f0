// A network namespace with bridge0 for tests that put a guest's vke on a Linux
// bridge: created, handed to the test, and always removed (with every guest).
import { spawnSync } from 'node:child_process';
import { killAll } from './vkmini-console.js';

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
}

/** Runs fn in a fresh namespace whose bridge0 has `hostAddress` (e.g. 10.77.0.1/24). */
export async function withBridgeNetns(tag: string, hostAddress: string, fn: (ns: string) => Promise<void>): Promise<void> {
  const ns = `${tag}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  ip(['netns', 'add', ns]);
  try {
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'link', 'add', 'bridge0', 'type', 'bridge']);
    ip(['-n', ns, 'addr', 'add', hostAddress, 'dev', 'bridge0']);
    ip(['-n', ns, 'link', 'set', 'bridge0', 'up']);
    await fn(ns);
  } finally {
    await killAll();
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
