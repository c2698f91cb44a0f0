// Bad input gets clear errors naming what is wrong; nothing crashes.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { image, ROOT, scratch, VKEMU, vkemu } from './helpers.js';
import { IOCTL, ioctlName } from '../src/vm/abi/ioctls.js';

describe('bin/vkemu', () => {
  it('--help', () => {
    const r = vkemu(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: vkemu/);
  });
  it('--version names vkemu and the Unicorn it runs on', () => {
    const r = vkemu(['--version']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout).toMatch(new RegExp(`^vkemu ${pkg.version.replace(/\./g, '\\.')} \\(Unicorn 2\\.\\d+\\.\\d+(-rc\\d+)?\\)\n$`));
    expect(r.status).toBe(0);
  });
  it('runs from its bundle, whose stack traces name the TypeScript sources', () => {
    expect(fs.readFileSync(VKEMU, 'utf8')).toMatch(/dist\/bundle\/vkemu\.cjs/);
    // An error thrown inside the bundle (a usage error of parseArgs), its stack formatted there.
    const script = `process.argv = ['node', 'vkemu', '--help']; const m = require(${JSON.stringify(path.join(ROOT, 'dist/bundle/cli.cjs'))});
      try { m.parseArgs(['--max-procs']); } catch (e) { process.stderr.write('STACK ' + e.stack + '\\n'); }`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    const stack = r.stderr.slice(r.stderr.indexOf('STACK '));
    expect(stack).toMatch(/needs an argument\n\s+at need \(.*\/src\/cli\.ts:\d+:\d+\)/);
    expect(stack).not.toMatch(/\.cjs:\d+/);
  });
  it('--help lists every VKEMU_* variable vkemu reads', () => {
    const read = new Set<string>();
    const scan = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) scan(f);
        else if (/\.(ts|cc)$/.test(e.name)) {
          for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:process\.env\.|getenv\(")(VKEMU_\w+)/g)) read.add(m[1]);
        }
      }
    };
    scan(path.join(ROOT, 'src'));
    scan(path.join(ROOT, 'native/src'));
    expect(read.size).toBeGreaterThan(3);
    const help = vkemu(['--help']).stdout;
    expect([...read].filter((v) => !help.includes(`  ${v}=`))).toEqual([]);
  });
  it('dragonfly: --help after a command prints the usage, not an error; a bad option names itself', () => {
    for (const sub of ['build', 'boot', 'status']) {
      const r = vkemu(['dragonfly', sub, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: vkemu dragonfly build/);
      expect(r.stderr).toBe('');
    }
    const bad = vkemu(['dragonfly', 'boot', '--bogus']);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain("'--bogus'");
  });
  it('an unknown option is a usage error naming it', () => {
    const r = vkemu(['--bogus', image('c', 'hello')]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });
  it('a missing program', () => {
    const r = vkemu(['/nonexistent/prog']);
    expect(r.status).toBe(127);
    expect(r.stderr).toContain('/nonexistent/prog');
  });
  it('a non-ELF file is refused with its name', () => {
    const f = path.join(scratch(), 'notelf');
    fs.writeFileSync(f, 'just some text\n');
    const r = vkemu([f]);
    expect(r.status).toBe(126);
    expect(r.stderr).toContain(`${f}: not an ELF file`);
  });
  it('a truncated ELF file is refused', () => {
    const f = path.join(scratch(), 'trunc');
    fs.writeFileSync(f, fs.readFileSync(image('c', 'hello')).subarray(0, 100));
    const r = vkemu([f]);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/truncated/);
  });
  it('a program for another machine is refused', () => {
    const f = path.join(scratch(), 'arm');
    const b = Buffer.from(fs.readFileSync(image('c', 'hello')));
    b.writeUInt16LE(183, 18); // EM_AARCH64
    fs.writeFileSync(f, b);
    const r = vkemu([f]);
    expect(r.stderr).toMatch(/wrong machine 183/);
  });
  it('PT_INTERP: the interpreter comes from the -L root and gets AT_BASE/AT_ENTRY', () => {
    const root = path.join(path.dirname(image('c', 'hello')), '..', 'ldso-root');
    const r = vkemu(['-L', root, image('c', 'dynprog')]);
    expect(r.stdout).toBe('ld-elf: starting the program\nstarted through the interpreter\n');
    expect(r.status).toBe(0);
  });
  it('a static PIE (the interpreter itself) loads at its ET_DYN base', () => {
    const root = path.join(path.dirname(image('c', 'hello')), '..', 'ldso-root');
    const r = vkemu([path.join(root, 'libexec/ld-elf.so.2')]);
    expect(r.stdout).toBe('ld-elf: no program to start\n');
    expect(r.status).toBe(3);
  });
  it('a missing interpreter is named, with a hint about -L', () => {
    const r = vkemu([image('c', 'dynprog')]);
    expect(r.status).toBe(127);
    expect(r.stderr).toContain('interpreter /libexec/ld-elf.so.2 not found');
    expect(r.stderr).toContain('-L');
  });
  it('--strace prints DragonFly names and decoded arguments', () => {
    const r = vkemu(['--strace', image('c', 'hello')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\[\d+:1\] write\(1, "hello, dragonfly\\n", 17\) = 17/);
    expect(r.stderr).toMatch(/exit\(0\)/);
  });
  it('--strace names ioctl commands, and spells out the encoding of those vkemu does not serve', () => {
    const r = vkemu(['--strace', image('c', 'ttyio')]); // stdin is /dev/null: not a terminal
    expect(r.stderr).toMatch(/\[\d+:1\] ioctl\(0, TIOCGETA, 0x[0-9a-f]+\) = -1 ENOTTY/);
    expect(ioctlName(0xc048698c)).toBe("_IOWR('i', 140, 72)");
    expect(ioctlName(IOCTL.SIOCGIFMTU)).toBe('SIOCGIFMTU');
    expect(ioctlName(0x1234)).toBe('0x1234');
  });
  it('--deterministic runs repeat exactly', () => {
    const a = vkemu(['--deterministic', '--strace', image('c', 'time')]);
    const b = vkemu(['--deterministic', '--strace', image('c', 'time')]);
    const strip = (s: string): string => s.replace(/\[\d+:/g, '[');
    expect(strip(a.stderr)).toBe(strip(b.stderr));
  });

  it('--max-procs and --max-files set the limits a guest runs into', () => {
    const procs = vkemu(['--max-procs', '10', image('c', 'limits'), '100', '100']);
    expect(procs.stdout).toContain('# forked 9 children before the first error (errno 35)');
    const files = vkemu(['--max-files', '64', image('c', 'limits'), '20', '1000']);
    expect(files.stdout).toMatch(/# opened 6\d descriptors before EMFILE \(limit 64\)/);
    const bad = vkemu(['--max-procs', '0', image('c', 'hello')]);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain("option --max-procs: '0' is not a number from 1 to 100000");
  });

  it("the terminal's ^Z, SIGWINCH and SIGINT reach the guest's foreground process group", async () => {
    const child = spawn(VKEMU, [image('c', 'termsig')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    }));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await ready;
    // ^Z stops the guest's group and then vkemu itself; fg (SIGCONT) goes on.
    child.kill('SIGTSTP');
    const state = (): string => fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    await vi.waitFor(() => expect(state()).toBe('T'), { timeout: 10_000, interval: 10 });
    child.kill('SIGCONT');
    await vi.waitFor(() => expect(state()).not.toBe('T'), { timeout: 10_000, interval: 10 });
    child.kill('SIGWINCH');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('parent got winch=1 int=1');
    expect(out).toContain('child got winch=1 int=1');
  });

  // A guest that ignores SIGTERM and SIGHUP and spins does not keep vkemu running.
  const ignoring = async (sig: NodeJS.Signals): Promise<{ code: number | null; err: string; img: string }> => {
    const img = path.join(scratch(), 'disk.img');
    fs.writeFileSync(img, Buffer.alloc(4096));
    const child = spawn(VKEMU, [image('c', 'sigignore'), img], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); }));
    // Sent until vkemu ends: two signals sent at once may reach it as one (standard signals do not queue).
    const again = setInterval(() => child.kill(sig), 100);
    child.kill(sig);
    const code = await exited;
    clearInterval(again);
    return { code, err, img };
  };
  it('a second SIGTERM ends vkemu when the guest ignores the first, after flushing its disk image', async () => {
    const r = await ignoring('SIGTERM');
    expect(r.err).toBe('vkemu: a second SIGTERM, and the guest is still running: vkemu ends (1 disk image flushed)\n');
    expect(r.code).toBe(143);
    expect(fs.readFileSync(r.img).subarray(0, 20).toString()).toBe('written by sigignore');
  });
  it('a hang-up ends vkemu when the guest ignores it', async () => {
    const r = await ignoring('SIGHUP');
    expect(r.err).toMatch(/^vkemu: the terminal hung up \(SIGHUP\) and the guest is still running \d+ s later: vkemu ends \(1 disk image flushed\)\n$/);
    expect(r.code).toBe(129);
  });

  it('input waiting on stdin is seen by the first non-blocking console read (a vkernel at mountroot>)', async () => {
    const child = spawn(VKEMU, [image('c', 'consolepoll')], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.write('abc');
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.destroy();
    expect(out).toContain("first non-blocking read: 1 'a'");
    expect(code).toBe(0);
  });
});
