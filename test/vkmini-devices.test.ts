// vkmini's device drivers under vkemu, with real parts: a root disk made by
// `vkemu mkimg` that init is loaded from, 16 disks and a CD at once, data
// that survives kill -9 after dsync, ISO images from xorriso, and vke
// interfaces on real TAP devices in a network namespace the test creates
// (pinged from there with ping(8)) and removes again.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, VKEMU, scratch } from './helpers.js';
import { KERNEL, killAll, Vkmini } from './vkmini-console.js';
import { withBridgeNetns } from './netns.js';

afterEach(killAll);

const BUILD = path.join(ROOT, 'images/build/vkmini');
const T = 30_000;

/** vkmini with the options every test here uses: 64 MiB, two vCPUs, its own memory image. */
function boot(args: string[], netns?: string): Vkmini {
  return new Vkmini(['-m', '64m', '-n', '2', '-i', path.join(scratch(), 'memimg'), ...args], netns);
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A root image made by `vkemu mkimg root` from a staging tree: sbin/init, bin/*, etc/motd. */
function rootImage(dir: string, motd: string): string {
  const stage = path.join(dir, 'stage');
  fs.mkdirSync(path.join(stage, 'sbin'), { recursive: true });
  fs.mkdirSync(path.join(stage, 'bin'));
  fs.mkdirSync(path.join(stage, 'etc'));
  fs.copyFileSync(path.join(BUILD, 'init'), path.join(stage, 'sbin/init'));
  for (const p of ['hello', 'loop', 'crash', 'disk', 'files', 'net']) fs.copyFileSync(path.join(BUILD, p), path.join(stage, 'bin', p));
  fs.writeFileSync(path.join(stage, 'etc/motd'), motd);
  const img = path.join(dir, 'root.img');
  run(VKEMU, ['mkimg', 'root', img, '--from', stage]);
  return img;
}

/** The pattern `dwrite U BLK` puts in sector BLK of vkdU. */
function pattern(unit: number, sector: number): Buffer {
  const line = `vkmini vkd${unit} block ${sector}\n`;
  return Buffer.from(line.repeat(Math.ceil(512 / line.length)).slice(0, 512));
}

// Programs can only come from the image: the host directory they would otherwise be loaded from does not exist.
const NOHOST = ['-e', 'vkmini.bindir=/nonexistent'];

describe('vkmini devices: vkd and vcd', () => {
  it('boots from a root image made by mkimg: init and programs from UFS1 on vkd0', async () => {
    const dir = scratch();
    const img = rootImage(dir, 'motd on the root image\n');
    const vk = boot(['-r', `${img}:ROOTDISK`, ...NOHOST]);
    await vk.booted();
    expect(vk.out).toContain(`vkd0: <${img}> 8192 sectors of 512 bytes, serial ROOTDISK`);
    expect(vk.out).toMatch(/ufs: vkd0s0a: UFS1 at byte 1048576, bsize \d+, fsize \d+/);
    expect(vk.out).toContain('vkmini: root file system on vkd0: /sbin/init, /bin/*');
    const ls = await vk.cmd('ls /');
    for (const d of ['sbin', 'bin', 'etc']) expect(ls).toMatch(new RegExp(`^d +\\d+ ${d}$`, 'm'));
    const size = fs.statSync(path.join(BUILD, 'hello')).size;
    expect(await vk.cmd('ls /bin')).toMatch(new RegExp(`^- +${size} hello$`, 'm'));
    expect(await vk.cmd('cat /etc/motd')).toContain('motd on the root image\n');
    expect(await vk.cmd('cat /etc/nothere')).toContain('cat: /etc/nothere: no such file or directory');
    expect(await vk.cmd('run hello from-ufs')).toMatch(/hello from pid \d+ \(hello\) from-ufs\n.*mmap sum 8386560: ok/);

    // the image is locked: a second vkernel on it is refused, naming it
    const second = spawnSync(VKEMU, [KERNEL, '-m', '64m', '-i', path.join(dir, 'mem2'), '-r', img],
      { encoding: 'utf8', timeout: 15_000, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(second.stderr).toContain(img);
    expect(second.stderr).toMatch(/in use/);
    expect(await vk.halt()).toBe(0);
  }, T);

  it('16 disks and a CD at once; dsync-ed data is in the image after kill -9', async () => {
    const dir = scratch();
    const img = rootImage(dir, 'x\n');
    const disks = ['-r', `${img}:ROOTDISK`];
    const size = (i: number): number => (i === 15 ? 5 * 1024 : i) << 20;	// vkd15: a sparse 5 GiB image
    for (let i = 1; i < 16; i++) {
      const d = path.join(dir, `data${i}.img`);
      // `mkimg blank` is a sparse all-zero file (docs/IMAGES.md); the tool makes the two disks checked below
      if (i === 1 || i === 15) run(VKEMU, ['mkimg', 'blank', d, '--size', `${size(i) >> 20}m`]);
      else { fs.writeFileSync(d, ''); fs.truncateSync(d, size(i)); }
      disks.push('-r', `${d}:SERIAL-${i}`);
    }
    const cdsrc = path.join(dir, 'cd');
    fs.mkdirSync(path.join(cdsrc, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(cdsrc, 'docs/release_notes.txt'), 'notes from the CD\n');
    fs.writeFileSync(path.join(cdsrc, 'big.bin'), Buffer.alloc(600_000, 0x5a));
    const iso = path.join(dir, 'cd.iso');
    run(VKEMU, ['mkimg', 'iso', iso, '--from', cdsrc]);

    const vk = boot([...disks, '-c', iso, ...NOHOST]);
    await vk.booted();
    const list = await vk.cmd('disks');
    expect(list).toContain('vkd0: 4194304 bytes (8192 sectors of 512), serial \'ROOTDISK\'');
    for (let i = 1; i < 16; i++) {
      expect(list).toContain(`vkd${i}: ${size(i)} bytes (${size(i) / 512} sectors of 512), serial 'SERIAL-${i}', ${dir}/data${i}.img`);
    }
    expect(list).toMatch(new RegExp(`vcd0: ${fs.statSync(iso).size} bytes \\(\\d+ sectors of 2048\\), read-only, ${iso}`));
    // Rock Ridge names from the ISO that mkimg made
    const cdls = await vk.cmd('cdls /docs');
    expect(cdls).toMatch(/^- +18 release_notes.txt$/m);
    expect(await vk.cmd('cdcat /docs/release_notes.txt')).toContain('notes from the CD\n');
    expect(await vk.cmd('cdbench')).toMatch(/cdbench: vcd0, \d+ KB: seq read 64k [\d.]+ MB\/s/);

    expect(await vk.cmd('dwrite 1 100 4')).toContain('dwrite: vkd1: 4 sectors written at block 100');
    expect(await vk.cmd('dsync 1')).toContain('dsync: vkd1: flushed');
    expect(await vk.cmd('dread 1 100 4')).toContain('dread: vkd1: 4 sectors at block 100 match the pattern ("vkmini vkd1 block 100")');
    const last = size(15) / 512 - 1;	// beyond 4 GiB
    expect(await vk.cmd(`dwrite 15 ${last}`)).toContain(`written at block ${last}`);
    expect(await vk.cmd(`dwrite 15 ${last + 1}`)).toContain(`dwrite: vkd15 block ${last + 1}: invalid argument`);
    expect(await vk.cmd('dsync 15')).toContain('flushed');
    const bench = await vk.cmd('dbench 2 2', 20_000);
    expect(bench).toMatch(/dbench: vkd2, 2 MB: seq write 64k [\d.]+ MB\/s, seq read 64k [\d.]+ MB\/s, rand read 4k [\d.]+ IOPS, rand write 4k [\d.]+ IOPS/);
    console.log(bench.split('\n').find((l) => l.startsWith('dbench:')));
    vk.child.kill('SIGKILL');
    await vk.exit;
    const data = fs.readFileSync(path.join(dir, 'data1.img'));
    for (let s = 100; s < 104; s++) expect(data.subarray(s * 512, s * 512 + 512).equals(pattern(1, s))).toBe(true);
    expect(data.subarray(99 * 512, 100 * 512).every((b) => b === 0)).toBe(true);
    const tail = Buffer.alloc(512);
    const fd = fs.openSync(path.join(dir, 'data15.img'), 'r');
    fs.readSync(fd, tail, 0, 512, last * 512);
    fs.closeSync(fd);
    expect(tail.equals(pattern(15, last))).toBe(true);
  }, T);

  it('reads a plain ISO 9660 from xorriso (no Rock Ridge): 8.3 names', async () => {
    const dir = scratch();
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'README.TXT'), 'plain iso file\n');
    fs.writeFileSync(path.join(src, 'sub/data'), 'x'.repeat(5000));
    const iso = path.join(dir, 'plain.iso');
    run('xorriso', ['-as', 'mkisofs', '-quiet', '--norock', '-o', iso, src]);
    const vk = boot(['-c', iso]);
    await vk.booted();
    expect(vk.out).toContain('vkmini: programs come from the host directory');
    const ls = await vk.cmd('cdls /');
    expect(ls).toMatch(/^- +15 README.TXT$/m);
    expect(ls).toMatch(/^d +2048 SUB$/m);
    expect(await vk.cmd('cdcat /readme.txt')).toContain('plain iso file\n');
    expect(await vk.cmd('cdls /sub')).toMatch(/^- +5000 DATA$/m);
    expect(await vk.cmd('cdcat /nothere')).toContain('no such file or directory');
    expect(await vk.halt()).toBe(0);
  }, T);
});

/** A network namespace with bridge0 (10.77.0.1/24); always removed. */
function withNetns(fn: (ns: string) => Promise<void>): Promise<void> {
  return withBridgeNetns('vkmini-test', '10.77.0.1/24', fn);
}

function ping(ns: string, addr: string, count = 3): string {
  return run('ip', ['netns', 'exec', ns, 'ping', '-c', String(count), '-W', '1', addr]);
}

/** tapN -> its MAC, for the taps in the namespace. */
function taps(ns: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of run('ip', ['-n', ns, '-o', 'link', 'show']).split('\n')) {
    const t = /^\d+: tap(\d+)[:@].* link\/ether ([0-9a-f:]{17})/.exec(line);
    if (t) m.set(Number(t[1]), t[2]!);
  }
  return m;
}

describe('vkmini devices: vke on Linux TAP', () => {
  it('answers ping from a network namespace; hw.vke0.tap_unit is the Linux tap unit', async () => {
    await withNetns(async (ns) => {
      const vk = boot(['-I', 'auto:bridge0:10.77.0.2/24', '-I', 'tap7:10.78.0.1:10.78.0.2/24'], ns);
      await vk.booted();
      const replies = ping(ns, '10.77.0.2');
      expect(replies).toMatch(/3 packets transmitted, 3 received/);
      // tap7: the host side got 10.78.0.1/24 (SIOCAIFADDR), the guest answers at .2
      expect(run('ip', ['-n', ns, '-o', 'addr', 'show', 'dev', 'tap7'])).toContain('inet 10.78.0.1/24');
      expect(ping(ns, '10.78.0.2')).toMatch(/3 packets transmitted, 3 received/);

      const t = taps(ns);
      const member = run('ip', ['-n', ns, '-o', 'link', 'show', 'master', 'bridge0']);
      const unit = Number(/tap(\d+)/.exec(member)?.[1]);
      expect(Number.isInteger(unit)).toBe(true);
      expect(await vk.cmd('sysctl hw.vke0.tap_unit')).toContain(`hw.vke0.tap_unit: ${unit}`);
      expect(await vk.cmd('sysctl hw.vke1.tap_unit')).toContain('hw.vke1.tap_unit: 7');
      // the guest MAC is the tap's with byte 1 + 1
      const tapmac = t.get(unit)!.split(':').map((x) => parseInt(x, 16));
      tapmac[1] = (tapmac[1]! + 1) & 0xff;
      const ifc = await vk.cmd('ifconfig');
      expect(ifc).toContain(`ether ${tapmac.map((b) => b.toString(16).padStart(2, '0')).join(':')} inet 10.77.0.2 netmask 0xffffff00`);
      expect(ifc).toMatch(/vke1: UP mtu 1500, tap unit 7/);

      const p = await vk.cmd('netbench ping 10.77.0.1 5', 10_000);
      expect(p).toMatch(/netbench: vke0 ping 10.77.0.1: 5 sent, 5 replies, rtt min\/avg\/max \d+\/\d+\/\d+ us/);
      const u = await vk.cmd('netbench udp 10.77.0.1 9 3000 2', 10_000);
      expect(u).toMatch(/netbench: vke0 udp to 10.77.0.1:9: \d+ frames of 1514 bytes in [\d.]+ ms: [\d.]+ frames\/s, [\d.]+ Mbit\/s/);
      console.log(p.split('\n').find((l) => l.startsWith('netbench:')));
      console.log(u.split('\n').find((l) => l.startsWith('netbench:')));
      expect(await vk.halt()).toBe(0);
    });
  }, T);

  it('16 interfaces at once on one bridge', async () => {
    await withNetns(async (ns) => {
      const args: string[] = [];
      for (let i = 0; i < 16; i++) args.push('-I', `auto:bridge0:10.77.0.${10 + i}/24`);
      const vk = boot(args, ns);
      await vk.booted();
      expect(vk.out.match(/^vke\d+: <auto:bridge0/gm)?.length).toBe(16);
      const members = run('ip', ['-n', ns, '-o', 'link', 'show', 'master', 'bridge0']).match(/tap\d+/g) ?? [];
      expect(members.length).toBe(16);
      const sysctl = await vk.cmd('sysctl hw');
      const units = [...sysctl.matchAll(/hw\.vke(\d+)\.tap_unit: (\d+)/g)].map((m) => `tap${m[2]}`);
      expect(units.length).toBe(16);
      expect(new Set(units)).toEqual(new Set(members));
      for (const i of [0, 9, 15]) expect(ping(ns, `10.77.0.${10 + i}`, 1)).toMatch(/1 packets transmitted, 1 received/);
      expect(await vk.halt()).toBe(0);
    });
  }, T);
});
