// The network of the NIC benchmark, all inside two namespaces this process
// creates and always deletes (deleting a namespace removes its bridge, taps
// and veths with it):
//   main ns:  bridge0 10.77.0.1/24 (the receiver and ping target/source)
//             + vkmini's tap (auto:bridge0, guest 10.77.0.2)
//             + vb0, one end of a veth pair, also on bridge0
//   peer ns:  vb1 10.77.0.3/24, the other end: the veth baseline's sender
// So the guest's frames and the baseline's cross the same bridge into the
// same stack; what differs is vkemu + TAP versus a veth.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { atExit } from './cleanup.js';

export const HOST_IP = '10.77.0.1';
export const GUEST_IP = '10.77.0.2';
export const PEER_IP = '10.77.0.3';

export interface Netns { main: string; peer: string }

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr ?? '').trim() || `exit ${r.status}`}`);
}

const live = new Set<string>();

/** Delete every namespace made here; safe to call more than once. */
export function removeNetns(): void {
  for (const ns of [...live]) {
    spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    live.delete(ns);
  }
}

/** Why the NIC benchmark cannot run here, or undefined when it can. */
export function netUnavailable(): string | undefined {
  for (const tool of ['ip', 'ping']) {
    const r = spawnSync(tool, ['-V'], { encoding: 'utf8', timeout: 5_000 });
    if (r.error) return `'${tool}' not found (iproute2 / iputils-ping)`;
  }
  if (!fs.existsSync('/dev/net/tun')) return '/dev/net/tun is missing (no TUN/TAP support)';
  // CAP_NET_ADMIN: the effective capability set, bit 12
  const cap = /CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (cap && !((BigInt('0x' + cap) >> 12n) & 1n)) return 'no CAP_NET_ADMIN (run as root to create namespaces, bridges and taps)';
  return undefined;
}

export function makeNetns(): Netns {
  const tag = `${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const n: Netns = { main: `vkbench-${tag}`, peer: `vkbench-peer-${tag}` };
  atExit(removeNetns);	// namespaces outlive their creator
  for (const ns of [n.main, n.peer]) {
    ip(['netns', 'add', ns]);
    live.add(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  ip(['-n', n.main, 'link', 'add', 'bridge0', 'type', 'bridge']);
  ip(['-n', n.main, 'addr', 'add', `${HOST_IP}/24`, 'dev', 'bridge0']);
  ip(['-n', n.main, 'link', 'set', 'bridge0', 'up']);
  ip(['-n', n.main, 'link', 'add', 'vb0', 'type', 'veth', 'peer', 'name', 'vb1', 'netns', n.peer]);
  ip(['-n', n.main, 'link', 'set', 'vb0', 'master', 'bridge0', 'up']);
  ip(['-n', n.peer, 'addr', 'add', `${PEER_IP}/24`, 'dev', 'vb1']);
  ip(['-n', n.peer, 'link', 'set', 'vb1', 'up']);
  return n;
}
