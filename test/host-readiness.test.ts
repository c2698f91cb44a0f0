// Readiness of host descriptors comes from the native watcher thread
// (native/src/poller.cc), not from polling: guests waiting on host sockets in
// poll, select, kevent, a blocking read, accept and connect are woken when the
// host says so. Only files that cannot announce changes are polled, every
// FALLBACK_POLL_MS; the guest runs with that poll switched off (an interval
// longer than the run), so a wait the host did not end times out in the guest
// (its own check fails) or never ends: no wall-clock bound is needed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linuxHost } from '../src/host/linux.js';
import { failures, image, ROOT, scratch, vkemu } from './helpers.js';

const ROUNDS = 50;

describe('host readiness without polling', () => {
  it('guests waiting on host sockets are woken by the host, not by a poll', () => {
    const r = vkemu([image('c', 'wake'), String(ROUNDS)], { timeoutMs: 60_000, env: { VKEMU_FALLBACK_POLL_MS: String(2 ** 31 - 1) } });
    expect(failures(r.stdout), r.stdout + r.stderr).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
    const kinds = [...r.stdout.matchAll(/^wake: (\w+) (\d+) round trips in (\d+) us$/gm)];
    expect(kinds.map((m) => m[1])).toEqual(['poll', 'select', 'kevent', 'read', 'accept']);
  }, 90_000);

  it('watchFd: edges on the main thread, none after cancel; regular files are refused (always ready)', async () => {
    const host = linuxHost();
    const pair = host.sockPair(1, 1, 0);
    if (typeof pair === 'number') throw new Error(`socketpair: ${pair}`);
    const [a, b] = pair;
    const seen: number[] = [];
    let wake: (() => void) | undefined;
    const cancel = host.watchFd(a, 0x1 /* EPOLLIN */, (ev) => { seen.push(ev); wake?.(); });
    expect(typeof cancel).toBe('function');
    const next = (): Promise<void> => new Promise((resolve) => { wake = resolve; });
    let got = next();
    expect(host.sockSendTo(b, Buffer.from('x'), 0, null)).toBe(1);
    await got;
    expect(seen).toEqual([0x1]);
    // edge-triggered: unread data does not report again; new data does
    got = next();
    expect(host.sockSendTo(b, Buffer.from('y'), 0, null)).toBe(1);
    await got;
    expect(seen).toEqual([0x1, 0x1]);
    // a hang-up is an edge too
    got = next();
    host.closeFd(b);
    await got;
    expect(seen[2]! & 0x10 /* EPOLLHUP */).toBeTruthy();
    if (typeof cancel === 'function') { cancel(); cancel(); }
    host.closeFd(a);

    const file = path.join(scratch(), 'plain');
    fs.writeFileSync(file, 'x');
    const fd = fs.openSync(file, 'r');
    expect(host.watchFd(fd, 0x1, () => {})).toBe(-1 /* -EPERM */);
    fs.closeSync(fd);
  });

  it('a registered descriptor does not keep Node alive (the event loop stays free of handles)', () => {
    const addon = path.join(ROOT, 'native/build/Release/vkemu_native.node');
    const script = `const n = require(${JSON.stringify(addon)}); const [a] = n.sockPair(1, 1, 0);
      if (typeof n.watchFd(a, 1, () => {}) !== 'function') process.exit(3);`;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
  });
});
