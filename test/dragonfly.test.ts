// A real DragonFly, built from source by `vkemu dragonfly build`, booted to its
// root shell and driven from its console: the system, fork/exec, vkd, vcd, vke,
// reboot/halt/SIGTERM/kill -9, and gdb on the kernel. Needs VKEMU_DRAGONFLY
// (see test/dragonfly-build.ts); without it every test here skips.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootDragonfly, dragonflyBuild, HALTED } from './dragonfly-build.js';
import { ROOT, VKEMU, scratch } from './helpers.js';
import { killAll, within } from './vkmini-console.js';
import { withBridgeNetns } from './netns.js';

afterEach(killAll);

const build = dragonflyBuild();
const BOOT_MS = 120_000;
const T = 300_000;

function run(cmd: string, args: string[], timeout = 60_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout, cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!build)('a real DragonFly built from source', () => {
  const b = build!;

  it.each([1, 4])('boots to a root shell with -n %i; uname, sysctl and ps tell the truth', async (ncpu) => {
    const dfly = bootDragonfly(b, scratch(), ['-n', String(ncpu)]);
    await dfly.booted(BOOT_MS);
    expect(await dfly.cmd('uname -a')).toMatch(/DragonFly dfly\.vkemu 5\.9-DEVELOPMENT DragonFly 5\.9-DEVELOPMENT #\d+: .*VKERNEL64\s+x86_64/);
    const s = await dfly.cmd('sysctl kern.ostype hw.ncpu hw.physmem');
    expect(s).toContain('kern.ostype: DragonFly');
    expect(s).toContain(`hw.ncpu: ${ncpu}`);
    const mem = Number(s.match(/hw\.physmem: (\d+)/)?.[1]);
    expect(mem).toBeGreaterThan(200 * 1024 * 1024);
    expect(mem).toBeLessThanOrEqual(256 * 1024 * 1024);
    const ps = await dfly.cmd('ps ax -o pid,comm');
    expect(ps).toMatch(/^\s*1 init$/m);
    expect(ps).toMatch(/ login$/m);
    expect(ps).toMatch(/ sh$/m);
    expect(await dfly.halt(60_000)).toBe(0);
  }, T);

  it('runs 1000 fork+exec+wait of /bin/echo from its shell', async () => {
    const dfly = bootDragonfly(b, scratch());
    await dfly.booted(BOOT_MS);
    const out = await dfly.cmd('i=0; while [ $i -lt 1000 ]; do /bin/echo $i; i=$((i+1)); done | tail -n 1; echo loop-done', 240_000);
    expect(out).toMatch(/^999\r?$/m);
    expect(out).toContain('loop-done');
    expect(await dfly.halt(60_000)).toBe(0);
  }, T);

  it('vkd1: a pattern written raw reaches the image file; newfs + mount + files read back on the host', async () => {
    const dir = scratch();
    const raw = path.join(dir, 'raw.img');
    const data = path.join(dir, 'data.img');
    run(VKEMU, ['mkimg', 'blank', raw, '--size', '16m']);
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    run(VKEMU, ['mkimg', 'data', data, '--from', empty, '--size', '64m']);
    const dfly = bootDragonfly(b, dir, ['-r', raw, '-r', data]);
    await dfly.booted(BOOT_MS);
    // 1 MiB of a known pattern, straight onto the raw disk.
    // Through a file: dd reading a pipe gets short blocks.
    await dfly.cmd('yes vkemu-pattern-0123456789 | head -c 1048576 > /tmp/pattern && dd if=/tmp/pattern of=/dev/vkd1 bs=64k 2>&1 | tail -n 1');
    const line = 'vkemu-pattern-0123456789\n';
    const want = Buffer.from(line.repeat(Math.ceil(1048576 / line.length))).subarray(0, 1048576);
    await dfly.cmd('sync');
    expect(fs.readFileSync(raw).subarray(0, 1048576).equals(want)).toBe(true);
    // A file system made by the guest's own newfs (on the labelled partition vkemu mkimg made),
    // read back by our image reader.
    const nf = await dfly.cmd('newfs /dev/vkd2s0a >/dev/null && echo newfs-ok', 120_000);
    expect(nf).toContain('newfs-ok');
    expect(await dfly.cmd('mount /dev/vkd2s0a /mnt && mkdir /mnt/d && echo hello from dragonfly > /mnt/d/greeting && md5 -q /sbin/init > /mnt/d/init.md5 && umount /mnt && echo umount-ok')).toContain('umount-ok');
    expect(await dfly.halt(60_000)).toBe(0);
    expect(run(VKEMU, ['img', 'ls', data, '/d'])).toMatch(/greeting/);
    expect(run(VKEMU, ['img', 'extract', data, '/d/greeting', '-'])).toBe('hello from dragonfly\n');
    const initMd5 = crypto.createHash('md5').update(fs.readFileSync(path.join(b.world, 'sbin/init'))).digest('hex');
    expect(run(VKEMU, ['img', 'extract', data, '/d/init.md5', '-']).trim()).toBe(initMd5);
  }, T);

  // DragonFly 5.9's vkernel reads the -r flags array for -c images too, and it is NULL there
  // (sys/platform/vkernel64/platform/init.c, init_disk): any -c of a regular file faults.
  const cdBug = ((): boolean => {
    try {
      return fs.readFileSync(path.join(b.src, 'sys/platform/vkernel64/platform/init.c'), 'utf8').includes('init_disk(cdFile, NULL,');
    } catch { return false; }
  })();
  if (cdBug) process.stderr.write('vcd0 test skipped: this tree\'s vkernel dereferences NULL for -c image files (init.c, init_disk(cdFile, NULL, ...))\n');

  it.skipIf(cdBug)('vcd0: mount_cd9660 of an ISO made by vkemu mkimg iso; md5 matches the host', async () => {
    const dir = scratch();
    const files = path.join(dir, 'iso');
    fs.mkdirSync(files);
    const blob = crypto.randomBytes(3 * 1024 * 1024 + 17);
    fs.writeFileSync(path.join(files, 'blob.bin'), blob);
    const iso = path.join(dir, 'cd.iso');
    run(VKEMU, ['mkimg', 'iso', iso, '--from', files]);
    const dfly = bootDragonfly(b, dir, ['-c', iso]);
    await dfly.booted(BOOT_MS);
    const out = await dfly.cmd('mount_cd9660 /dev/vcd0 /mnt && md5 -q /mnt/blob.bin && umount /mnt');
    expect(out).toContain(crypto.createHash('md5').update(blob).digest('hex'));
    expect(await dfly.halt(60_000)).toBe(0);
  }, T);

  it('vke0: the address from --net, ping both ways, and a TCP transfer checked by md5', async () => {
    await withBridgeNetns('dfly-test', '10.79.0.1/24', async (ns) => {
      const dir = scratch();
      const dfly = bootDragonfly(b, dir, [], { net: 'bridge0:10.79.0.2/24', netns: ns });
      await dfly.booted(BOOT_MS);
      expect(await dfly.cmd('ifconfig vke0')).toContain('inet 10.79.0.2');
      expect(await dfly.cmd('ping -c 3 10.79.0.1')).toMatch(/3 packets transmitted, 3 packets received/);
      expect(run('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-W', '2', '10.79.0.2'])).toMatch(/3 received/);
      // Guest → host: 2 MiB over TCP, md5 on both sides.
      const got = path.join(dir, 'got.bin');
      const listener = spawnSync('sh', ['-c', `ip netns exec ${ns} timeout 60 sh -c 'nc -l -p 7701 > ${got}' >/dev/null 2>&1 & echo started`], { encoding: 'utf8' });
      expect(listener.stdout).toContain('started');
      await new Promise((r) => setTimeout(r, 500));
      const sent = await dfly.cmd('dd if=/dev/urandom of=/tmp/blob bs=64k count=32 2>/dev/null; md5 -q /tmp/blob; nc -N 10.79.0.1 7701 < /tmp/blob; echo nc-done', 60_000);
      expect(sent).toContain('nc-done');
      const guestMd5 = sent.match(/^([0-9a-f]{32})\r?$/m)?.[1];
      await within(new Promise<void>((resolve) => {
        const t = setInterval(() => { if (fs.existsSync(got) && fs.statSync(got).size === 2 * 1024 * 1024) { clearInterval(t); resolve(); } }, 100);
      }), 30_000, 'the transfer to reach the host');
      expect(crypto.createHash('md5').update(fs.readFileSync(got)).digest('hex')).toBe(guestMd5);
      expect(await dfly.halt(60_000)).toBe(0);
    });
  }, T);

  it('reboot comes back to the prompt, halt exits 0', async () => {
    const dfly = bootDragonfly(b, scratch());
    await dfly.booted(BOOT_MS);
    dfly.send('reboot\n');
    await dfly.waitFor(() => dfly.count('dfly# ') >= 2, 'the prompt after reboot', BOOT_MS);
    expect(dfly.out).toMatch(/Rebooting|rebooting/);
    expect(await dfly.halt(60_000)).toBe(0);
  }, T);

  it('SIGTERM from the host shuts down cleanly; the next boot finds the disk clean', async () => {
    const dir = scratch();
    const dfly = bootDragonfly(b, dir);
    await dfly.booted(BOOT_MS);
    dfly.child.kill('SIGTERM');
    const code = await within(dfly.exit, 60_000, 'vkemu to exit after SIGTERM');
    expect(dfly.out).toMatch(/syncing disks|The operating system has halted/);
    expect(code).not.toBeNull();
    const again = bootDragonfly(b, dir, [], { fresh: false });
    await again.booted(BOOT_MS);
    expect(again.out).not.toMatch(/UNEXPECTED INCONSISTENCY|fsck_ffs failed/);
    expect(await again.halt(60_000)).toBe(0);
  }, T);

  it('kill -9 of vkemu during a write: the next boot checks the disk and the fsynced data is there', async () => {
    const dir = scratch();
    const dfly = bootDragonfly(b, dir);
    await dfly.booted(BOOT_MS);
    await dfly.cmd('echo precious-data > /root/kept && fsync /root/kept 2>/dev/null; sync; echo written');
    dfly.send('dd if=/dev/zero of=/root/big bs=64k count=4000 &\n');
    await new Promise((r) => setTimeout(r, 1500));
    dfly.kill();
    await dfly.exit;
    const again = bootDragonfly(b, dir, [], { fresh: false });
    await again.booted(BOOT_MS);
    expect(again.out).toMatch(/vkd0s0a/);
    expect(await again.cmd('cat /root/kept')).toContain('precious-data');
    expect(await again.halt(60_000)).toBe(0);
  }, T);

  it('halt prints the halt message and exits 0', async () => {
    const dfly = bootDragonfly(b, scratch());
    await dfly.booted(BOOT_MS);
    dfly.send('halt\n');
    await dfly.waitFor(() => dfly.out.includes(HALTED), 'the halt message', 60_000);
    dfly.child.stdin.end();
    expect(await within(dfly.exit, 30_000, 'vkemu to exit')).toBe(0);
  }, T);
});
