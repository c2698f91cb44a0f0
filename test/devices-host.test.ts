// The host side of the vkernel devices (vkernel-host-abi.md §6.1–6.3): DragonFly
// tap(4) on Linux TAPs inside a network namespace this file creates and removes
// (frames exchanged with the namespace: ARP and ping, directly and through a
// bridge; 16 clones; a vknetd socket), and disk images (sparse > 4 GiB, flock
// between two vkemu, fsync then kill -9, read-only mounts, a full tmpfs), and
// the pre-boot checks of -r/-c/-I. Guests: images/c/tapdev.c, images/c/diskio.c.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, VKEMU, failures, image, scratch, vkemu } from './helpers.js';

const TAPDEV = image('c', 'tapdev');
const DISKIO = image('c', 'diskio');
const NS = `vkt-dev-${process.pid}`;
const GiB = 2 ** 30;
const canNet = process.getuid?.() === 0 && fs.existsSync('/dev/net/tun');
const isRoot = process.getuid?.() === 0;

function sh(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}
function inNs(args: string[]): { status: number; out: string } {
  return sh('ip', ['netns', 'exec', NS, ...args]);
}
function must(cmd: string, args: string[]): void {
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.out}`);
}

/** A guest running in the background, with its output collected. */
class Bg {
  out = '';
  err = '';
  readonly exit: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { this.out += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.err += d; });
    this.exit = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }
  async waitFor(re: RegExp, ms = 10_000): Promise<RegExpExecArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (Date.now() > end || this.child.exitCode !== null) throw new Error(`no ${re} in: ${this.out}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
function bg(cmd: string, args: string[]): Bg {
  return new Bg(spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** diskio's fill(): the byte pattern written at each place. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 131 + i * 7 + (i >> 8)) & 0xff;
  return b;
}
function readAt(file: string, pos: number, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    fs.readSync(fd, b, 0, n, pos);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

describe.skipIf(!canNet)('vke: tap(4) on Linux TAPs in a network namespace', () => {
  beforeAll(() => {
    must('ip', ['netns', 'add', NS]);
    try {
      must('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
      // No IPv6 chatter (router solicitations) on the taps: only the test's frames.
      must('ip', ['netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      must('ip', ['netns', 'exec', NS, 'ip', 'link', 'add', 'br0', 'type', 'bridge']);
      must('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', '10.77.2.1/24', 'dev', 'br0']);
      must('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'br0', 'up']);
    } catch (e) {
      sh('ip', ['netns', 'del', NS]);
      throw e;
    }
  });
  afterAll(() => {
    sh('ip', ['netns', 'del', NS]);
  });

  it('opens /dev/tap like the vkernel: fstat, FIODNAME, TAPGIFINFO, SIOCGIFADDR, flags, EAGAIN, select, /dev/tap42', () => {
    const r = inNs([VKEMU, TAPDEV, 'basic']);
    expect(failures(r.out)).toEqual([]);
    expect(r.out).toMatch(/28 passed, 0 failed/);
    expect(r.status).toBe(0);
    // The second open of tap42 is refused with a line naming it.
    expect(r.out).toMatch(/vkemu: \/dev\/tap42: cannot create a Linux TAP: tap42 is already open/);
  });

  it('exchanges frames with the namespace: ARP and ping on an addressed tap and through a bridge', async () => {
    const g = bg('ip', ['netns', 'exec', NS, VKEMU, TAPDEV, 'serve', 'br0', '10.77.1.1/24', '10.77.1.2', '10.77.2.2', '15']);
    try {
      const [, ta, tb] = await g.waitFor(/ready (tap\d+) (tap\d+)\n/);
      // SIOCAIFADDR and BRDGADD became the Linux address and bridge port.
      expect(inNs(['ip', '-o', '-4', 'addr', 'show', 'dev', ta]).out).toMatch(/inet 10\.77\.1\.1\/24/);
      expect(inNs(['readlink', `/sys/class/net/${tb}/master`]).out.trim()).toMatch(/\/br0$/);
      const mac = inNs(['cat', `/sys/class/net/${ta}/address`]).out.trim().split(':').map((x) => parseInt(x, 16));
      const p1 = inNs(['ping', '-c', '3', '-W', '1', '-i', '0.2', '10.77.1.2']);
      expect(p1.out).toMatch(/3 packets transmitted, 3 received/);
      // The guest answered with the tap's MAC, byte 1 incremented (the vke rule). It
      // keeps serving until the bridge side is pinged too, so the tap still exists.
      mac[1] = (mac[1] + 1) & 0xff;
      const want = mac.map((x) => x.toString(16).padStart(2, '0')).join(':');
      expect(inNs(['ip', 'neigh', 'show', '10.77.1.2', 'dev', ta]).out).toContain(`lladdr ${want}`);
      const p2 = inNs(['ping', '-c', '3', '-W', '1', '-i', '0.2', '10.77.2.2']);
      expect(p2.out).toMatch(/3 packets transmitted, 3 received/);
      expect(await g.exit).toBe(0);
      expect(failures(g.out)).toEqual([]);
      expect(g.out).toMatch(/ 0 failed/);
    } finally {
      g.child.kill('SIGKILL');
    }
  });

  it('serves 16 cloned taps at once and destroys each on close', () => {
    const r = inNs([VKEMU, TAPDEV, 'many', '16']);
    expect(failures(r.out)).toEqual([]);
    expect(r.out).toMatch(/units tap0 tap1 .* tap15\n/);
    expect(r.status).toBe(0);
    expect(inNs(['ip', '-o', 'link', 'show']).out).not.toMatch(/tap\d+/);
  });

  it('connects a vknetd-style AF_UNIX seqpacket socket: one frame per record', async () => {
    const dir = scratch();
    const sock = path.join(dir, 'vknet');
    const server = bg('python3', ['-c', [
      'import socket,sys',
      's=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET); s.bind(sys.argv[1]); s.listen(1); print("listening",flush=True)',
      's.settimeout(10); c,_=s.accept(); c.settimeout(10); c.send(c.recv(4096)); c.recv(16)',
    ].join('\n'), sock]);
    try {
      await server.waitFor(/listening/);
      const r = vkemu([TAPDEV, 'sock', sock]);
      expect(failures(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/11 passed, 0 failed/);
    } finally {
      server.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks -I before boot: bridge, syntax, MAC', () => {
    const ok = inNs([VKEMU, DISKIO, '-I', 'auto:br0', '-I', 'tap5:10.0.0.1:10.0.0.2/24=02:00:00:00:00:09', 'hold', '0']);
    expect(ok.status).toBe(0);
    const cases: [string, RegExp][] = [
      ['auto:bridge7', /option -I auto:bridge7: no bridge 'bridge7' on this host/],
      ['auto:lo', /option -I auto:lo: 'lo' is not a Linux bridge/],
      ['auto:10.0.0.1/40', /option -I auto:10.0.0.1\/40: invalid netmask length '40'/],
      ['auto:br0:10.0.0.2:extra', /option -I auto:br0:10.0.0.2:extra: invalid netmask length 'extra'/],
      ['auto=03:00:00:00:00:01', /is a multicast address/],
      ['auto=zz', /'zz' is not a MAC address/],
      ['/nonexistent/vknet', /option -I \/nonexistent\/vknet: \/nonexistent\/vknet: no such file/],
    ];
    for (const [spec, re] of cases) {
      const r = inNs([VKEMU, DISKIO, '-I', spec, 'hold', '0']);
      expect(r.status, spec).toBe(64);
      expect(r.out, spec).toMatch(re);
    }
    const many = Array.from({ length: 17 }, () => ['-I', 'auto']).flat();
    const r = inNs([VKEMU, DISKIO, ...many, 'hold', '0']);
    expect(r.status).toBe(64);
    expect(r.out).toMatch(/17 interfaces \(-I\) given; a virtual kernel takes at most 16/);
  });

  it.skipIf(!fs.existsSync('/usr/bin/setpriv'))('without CAP_NET_ADMIN: refused before boot, and /dev/tap says why', () => {
    const drop = ['--inh-caps=-net_admin', '--bounding-set=-net_admin'];
    const pre = inNs(['setpriv', ...drop, VKEMU, DISKIO, '-I', 'auto:br0', 'hold', '0']);
    expect(pre.status).toBe(64);
    expect(pre.out).toMatch(/vkemu: option -I auto:br0: \/dev\/tap needs CAP_NET_ADMIN/);
    // An ordinary program opening /dev/tap gets EPERM, and vkemu names the reason.
    const run = inNs(['setpriv', ...drop, VKEMU, TAPDEV, 'many', '1']);
    expect(run.out).toMatch(/not ok - opened 0 clones/);
    expect(run.out).toMatch(/vkemu: \/dev\/tap: cannot create a Linux TAP: CAP_NET_ADMIN is needed/);
  });
});

describe('vkd/vcd: disk images', () => {
  let dir = '';
  beforeAll(() => { dir = scratch(); });
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('reads and writes a sparse 6 GiB image at offsets above 4 GiB', () => {
    const img = path.join(dir, 'big.img');
    fs.closeSync(fs.openSync(img, 'w'));
    fs.truncateSync(img, 6 * GiB);
    const r = vkemu([DISKIO, '-r', `${img}:SERIAL-0001`, 'big']);
    expect(failures(r.stdout)).toEqual([]);
    expect(r.stdout).toMatch(/15 passed, 0 failed/);
    expect(r.status).toBe(0);
    // The bytes are where the guest put them, and the file stayed sparse.
    expect(readAt(img, 4 * GiB + 512, 4096).equals(pattern(4096, 1))).toBe(true);
    expect(readAt(img, 5 * GiB - 3, 100).equals(pattern(100, 2))).toBe(true);
    expect(readAt(img, 6 * GiB - 512, 512).equals(pattern(512, 3))).toBe(true);
    expect(fs.statSync(img).blocks * 512).toBeLessThan(1 << 20);
  });

  it('locks an image across two vkemu processes; the second names the image and the holder', async () => {
    const img = path.join(dir, 'lock.img');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    const holder = bg(VKEMU, [DISKIO, '-r', img, 'hold', '20']);
    try {
      await holder.waitFor(/locked\n/);
      const r = vkemu([DISKIO, '-r', img, 'lock']);
      expect(failures(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`vkemu: disk image ${img} is already in use: locked by pid ${holder.child.pid}`);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exit;
    }
    // Once the holder is gone the lock is free.
    const again = vkemu([DISKIO, '-r', img, 'lock']);
    expect(again.stdout).toMatch(/not ok - flock/);
  });

  it.skipIf(!fs.existsSync('/usr/bin/strace'))('fsync is a host fsync of the image', () => {
    const img = path.join(dir, 'strace.img');
    fs.closeSync(fs.openSync(img, 'w'));
    fs.truncateSync(img, 6 * GiB);
    const log = path.join(dir, 'strace.log');
    const r = sh('strace', ['-f', '-qq', '-e', 'trace=fsync,fdatasync', '-e', 'signal=none', '-o', log, VKEMU, DISKIO, '-r', img, 'big']);
    expect(r.out).toMatch(/15 passed, 0 failed/);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/\bf(data)?sync\(\d+\)\s+= 0/);
  });

  it('keeps what the guest fsynced when vkemu is killed with SIGKILL', async () => {
    const img = path.join(dir, 'sync.img');
    fs.writeFileSync(img, Buffer.alloc(2 << 20));
    const g = bg(VKEMU, [DISKIO, '-r', img, 'sync']);
    try {
      await g.waitFor(/synced\n/);
      g.child.kill('SIGKILL');
      await g.exit;
    } finally {
      g.child.kill('SIGKILL');
    }
    expect(g.child.signalCode).toBe('SIGKILL');
    expect(readAt(img, 0, 65536).equals(pattern(65536, 7))).toBe(true);
    expect(readAt(img, 1 << 20, 65536).equals(pattern(65536, 8))).toBe(true);
  });

  it.skipIf(!isRoot)('refuses writing to a read-only image with a clear line (runtime and before boot)', () => {
    const src = path.join(dir, 'rosrc'), ro = path.join(dir, 'ro');
    fs.mkdirSync(src);
    fs.mkdirSync(ro);
    fs.writeFileSync(path.join(src, 'ro.img'), Buffer.alloc(1 << 20, 1));
    must('mount', ['--bind', src, ro]);
    try {
      must('mount', ['-o', 'remount,ro,bind', ro]);
      const img = path.join(ro, 'ro.img');
      const r = vkemu([DISKIO, 'rdonly', img]);
      expect(failures(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`vkemu: disk image ${img} cannot be opened for writing (EROFS`);
      const pre = vkemu([DISKIO, '-r', img, 'big']);
      expect(pre.status).toBe(64);
      expect(pre.stderr).toContain(`vkemu: option -r ${img}: cannot be opened for writing: read-only file system`);
      // As a CD (-c) the same image is fine.
      const cd = vkemu([DISKIO, '-c', img, 'cd']);
      expect(failures(cd.stdout)).toEqual([]);
      expect(cd.status).toBe(0);
    } finally {
      sh('umount', [ro]);
    }
  });

  it.skipIf(!isRoot)('gives the guest ENOSPC when the host file system is full, and carries on', () => {
    const mnt = path.join(dir, 'tiny');
    fs.mkdirSync(mnt);
    must('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'vkemu-test-full', mnt]);
    try {
      const img = path.join(mnt, 'full.img');
      fs.closeSync(fs.openSync(img, 'w'));
      fs.truncateSync(img, 8 << 20);
      const r = vkemu([DISKIO, '-r', img, 'full']);
      expect(failures(r.stdout)).toEqual([]);
      expect(r.stdout).toMatch(/wrote \d+ bytes before errno 28\n/);
      expect(r.status).toBe(0);
      expect(r.stderr).not.toMatch(/internal error/);
    } finally {
      sh('umount', [mnt]);
    }
  });

  it('checks -r and -c before boot, and only for virtual kernels', () => {
    const img = path.join(dir, 'pre.img');
    fs.writeFileSync(img, Buffer.alloc(64 << 10));
    const empty = path.join(dir, 'empty.img');
    fs.writeFileSync(empty, '');
    const cases: [string[], string][] = [
      [['-r', path.join(dir, 'missing.img')], `option -r ${path.join(dir, 'missing.img')}: no such file`],
      [['-r', `${img}:${'x'.repeat(30)}`], `option -r ${img}:${'x'.repeat(30)}: serial number '${'x'.repeat(30)}' is 30 characters; at most 29`],
      [['-r', dir], `option -r ${dir}: a directory, not a disk image`],
      [['-r', empty], `option -r ${empty}: the image is empty (0 bytes)`],
      [['-c', path.join(dir, 'missing.iso')], `option -c ${path.join(dir, 'missing.iso')}: no such file`],
      [Array.from({ length: 17 }, () => ['-r', img]).flat(), '17 disks (-r/-R) given; a virtual kernel takes at most 16'],
      [Array.from({ length: 17 }, () => ['-c', img]).flat(), '17 CD images (-c) given; a virtual kernel takes at most 16'],
    ];
    for (const [args, msg] of cases) {
      const r = vkemu([DISKIO, ...args, 'hold', '0']);
      expect(r.status, msg).toBe(64);
      expect(r.stderr, msg).toContain(`vkemu: ${msg}`);
    }
    // 16 disks (29-character serial) and 16 CDs are fine.
    const ok = vkemu([DISKIO, ...Array.from({ length: 16 }, () => ['-r', `${img}:${'s'.repeat(29)}`]).flat(),
      ...Array.from({ length: 16 }, () => ['-c', img]).flat(), 'cd']);
    expect(failures(ok.stdout)).toEqual([]);
    expect(ok.status).toBe(0);
    // An ordinary program with the same arguments is not a vkernel: no checks.
    const hello = vkemu([image('c', 'hello'), '-r', path.join(dir, 'missing.img')]);
    expect(hello.status).toBe(0);
  });
});
