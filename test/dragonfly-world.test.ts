// DragonFly's own userland under vkemu, without a virtual kernel: scripts run
// by the world's /bin/sh (`vkemu -L WORLD WORLD/bin/sh script`). The expected
// outputs are what a DragonFly host prints, written here by hand (not recorded
// from vkemu). Needs VKEMU_DRAGONFLY: the build output directory holding world/.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, scratch, vkemu } from './helpers.js';

const BUILD = process.env.VKEMU_DRAGONFLY;
/** The world of a `vkemu dragonfly build` (build.json names it; a partial build has only the directory). */
function worldOf(out: string): string {
  try {
    const w = (JSON.parse(fs.readFileSync(path.join(out, 'build.json'), 'utf8')) as { world?: unknown }).world;
    if (typeof w === 'string') return w;
  } catch { /* no build.json yet */ }
  return path.join(out, 'world');
}
const WORLD = BUILD ? worldOf(BUILD) : '';
const SH = WORLD !== '' && fs.existsSync(path.join(WORLD, 'bin/sh'));
const LIBC = WORLD !== '' && fs.existsSync(path.join(WORLD, 'usr/lib/libc.so')) && fs.existsSync(path.join(WORLD, 'libexec/ld-elf.so.2'));
const READY = SH || LIBC;
const has = (prog: string): boolean => SH && fs.existsSync(path.join(WORLD, prog));

interface ShResult { status: number; out: string; err: string; ms: number }

/** Run `script` with the world's /bin/sh in a fresh scratch directory (or `dir`). */
function sh(script: string, dir = scratch()): ShResult {
  const file = path.join(dir, 'script.sh');
  fs.writeFileSync(file, script);
  const t0 = Date.now();
  const r = vkemu(['-L', WORLD, '-E', 'PATH=/bin:/sbin:/usr/bin:/usr/sbin', '-E', 'LC_ALL=C',
    path.join(WORLD, 'bin/sh'), file], { cwd: dir, timeoutMs: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

const WHY_NOT = !BUILD ? 'VKEMU_DRAGONFLY is not set (the build directory holding world/)' : `no ${path.join(WORLD, 'bin/sh')} or usr/lib/libc.so`;

/** Build images/dfly/NAME.c against the world's own libc (dynamic, /libexec/ld-elf.so.2). */
function buildWithWorldLibc(name: string): string {
  const out = path.join(scratch(), name);
  const r = spawnSync('clang', ['-target', 'x86_64-unknown-dragonfly', `--sysroot=${WORLD}`, `-B${WORLD}/usr/lib`,
    `-B${WORLD}/usr/lib/gcc80`, `-L${WORLD}/usr/lib`, `-L${WORLD}/usr/lib/gcc80`, '-fuse-ld=lld', '-O1',
    '-Wl,--dynamic-linker=/libexec/ld-elf.so.2', '-o', out, path.join(ROOT, 'images/dfly', `${name}.c`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang: ${r.stderr}`);
  return out;
}

// Without a world: one skipped line that says why.
if (!READY) describe('DragonFly world under vkemu', () => { it.skip(`skipped: ${WHY_NOT}`, () => {}); });
else describe('DragonFly world under vkemu', () => {
  it.skipIf(!LIBC)("a program linked with DragonFly's libc: alarm/pause, ualarm, sigtimedwait, pselect, uname", () => {
    const prog = buildWithWorldLibc('libctimers');
    const t0 = Date.now();
    const r = vkemu(['-L', WORLD, prog], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe([
      'pause -1 Interrupted system call, alarms 1', 'ualarm: alarms 2', 'getitimer 0.000000',
      'setitimer(3) -1 Invalid argument', 'sigtimedwait 30, si_signo 30', 'sigtimedwait -1 Resource temporarily unavailable',
      'pselect 0', 'uname DragonFly 5.9-DEVELOPMENT x86_64', 'clock_getcpuclockid 0', 'getvfsstat 1', '',
    ].join('\n'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(r.status).toBe(0);
  });

  it.skipIf(!SH)('files and directories: mkdir, cp -p, mv, ln -s, chmod, ls, rm -r', () => {
    const r = sh([
      'mkdir -p d/sub && echo hello > d/f && cp -p d/f d/g && mv d/g d/sub/h && ln -s f d/l && chmod 640 d/f',
      'ls d', 'ls d/sub', 'cat d/l', 'set -- $(ls -l d/f); echo $1', '[ -L d/l ] && echo link',
      'cat d/sub/h', 'rm -r d', '[ -e d ] || echo gone',
    ].join('\n') + '\n');
    expect(r.err).toBe('');
    expect(r.out).toBe('f\nl\nsub\nh\nhello\n-rw-r-----\nlink\nhello\ngone\n');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('usr/bin/mktemp'))("symlinks with absolute targets in the world's /tmp lead to the world's files", () => {
    const r = sh([
      'd=$(mktemp -d /tmp/links.XXXXXX) && echo hello > $d/f && ln -s $d/f $d/l && ln -s $d $d/self',
      'cat $d/l', 'cat $d/self/self/l', 'cd $d/self && /bin/pwd && cat l', '[ -L $d/l ] && echo link',
      'rm $d/l && [ -f $d/f ] && echo kept', 'cd / && rm -r $d && [ ! -e $d ] && echo gone',
    ].join('\n') + '\n');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^hello\nhello\n\/tmp\/links\.\w{6}\nhello\nlink\nkept\ngone\n$/);
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('usr/bin/find') || !has('usr/bin/sort'))('find by name and type', () => {
    const r = sh('mkdir -p a/b/c && : > a/b/x.txt && : > a/y.txt && find a -name "*.txt" | sort\nfind a -type d | sort\n');
    expect(r.out).toBe('a/b/x.txt\na/y.txt\na\na/b\na/b/c\n');
  });

  it.skipIf(!SH)('pipes and redirections', () => {
    const r = sh([
      'echo abc | cat | cat > out', 'cat < out', '{ echo a; echo b >&2; } 2>&1 | cat',
      'echo more >> out', 'cat out', 'echo lost 2>/dev/null >/dev/null', 'exec 3>f3; echo via3 >&3; exec 3>&-; cat f3',
    ].join('\n') + '\n');
    expect(r.out).toBe('abc\na\nb\nabc\nmore\nvia3\n');
  });

  it.skipIf(!SH)('here-documents, expanded and quoted', () => {
    const r = sh('x=world\ncat <<EOF\nhello $x $((1+2))\nEOF\ncat <<\'EOF\'\nliteral $x\nEOF\n');
    expect(r.out).toBe('hello world 3\nliteral $x\n');
  });

  it.skipIf(!SH)('trap with kill, and an alarm-style timeout that kills a slow job', () => {
    const r = sh([
      "trap 'echo got USR1' USR1", 'kill -USR1 $$', 'echo after',
      'sleep 10 & slow=$!', '( sleep 0.3; kill $slow ) &', 'wait $slow; echo status $?',
      "trap 'echo alarm' ALRM", '( sleep 0.2; kill -ALRM $$ ) &', 'wait', 'echo end',
    ].join('\n') + '\n');
    expect(r.out).toBe('got USR1\nafter\nstatus 143\nalarm\nend\n');
    expect(r.ms).toBeLessThan(8000);
  });

  it.skipIf(!SH)('background jobs and wait', () => {
    const r = sh('(sleep 0.3; echo one) &\n(echo two) &\nwait\necho done $?\n');
    expect(r.out).toBe('two\none\ndone 0\n');
  });

  it.skipIf(!SH)('sleep 1 takes about a second', () => {
    const r = sh('sleep 1\necho slept\n');
    expect(r.out).toBe('slept\n');
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(5000);
  });

  it.skipIf(!has('sbin/ifconfig'))("ifconfig shows the host's loopback as lo0: flags, metric, mtu and both addresses, without errors", () => {
    const mtu = fs.readFileSync('/sys/class/net/lo/mtu', 'utf8').trim();
    const r = sh('ifconfig lo0\n');
    expect(r.err).toBe('');
    expect(r.out).toBe(`lo0: flags=9<UP,LOOPBACK> metric 0 mtu ${mtu}\n\tinet 127.0.0.1 netmask 0xff000000\n` +
      (fs.readFileSync('/proc/net/if_inet6', 'utf8').includes(' lo\n') ? '\tinet6 ::1 prefixlen 128\n' : ''));
    expect(sh('ifconfig nosuch0\n').err).toContain('nosuch0');
  });

  it.skipIf(!SH)('date: formats and the host clock', () => {
    const r = sh("date -u -r 0 '+%Y-%m-%d %H:%M:%S %a'\ndate -u -r 1000000000 +%Y%j\ndate +%s\n");
    const lines = r.out.split('\n');
    expect(lines.slice(0, 2)).toEqual(['1970-01-01 00:00:00 Thu', '2001252']);
    expect(Math.abs(Number(lines[2]) - Date.now() / 1000)).toBeLessThan(10);
  });

  it.skipIf(!SH)('dd with conv= options', () => {
    const r = sh([
      "printf 'hello\\n' | dd conv=ucase 2>/dev/null", "printf 'abcd' | dd conv=swab 2>/dev/null; echo",
      'echo abcdef > f', 'echo XY | dd of=f bs=1 seek=1 conv=notrunc 2>/dev/null', 'cat f',
      'dd if=/dev/zero of=z bs=512 count=4 2>err', 'set -- $(ls -l z); echo $5', 'cat err',
    ].join('\n') + '\n');
    expect(r.out.split('\n').slice(0, 5)).toEqual(['HELLO', 'badc', 'aXY', 'ef', '2048']);
    expect(r.out).toContain('4+0 records in\n4+0 records out\n');
  });

  it.skipIf(!has('sbin/md5'))('md5 of files made on the host', () => {
    const dir = scratch();
    const data = crypto.randomBytes(300_000);
    fs.writeFileSync(path.join(dir, 'blob'), data);
    fs.writeFileSync(path.join(dir, 'text'), 'The quick brown fox jumps over the lazy dog');
    const r = sh('md5 -q blob\nmd5 text\nmd5 -s abc\n', dir);
    const want = crypto.createHash('md5').update(data).digest('hex');
    expect(r.out).toBe(`${want}\nMD5 (text) = 9e107d9d372bb6826bd81d3542a419d6\nMD5 ("abc") = 900150983cd24fb0d6963f7d28e17f72\n`);
  });

  it.skipIf(!has('bin/ps') || !has('usr/bin/tty'))("ps on a terminal: the TT column, the controlling tty's session and foreground group, ps -t", () => {
    // On a pty from script(1): the shell's session has it as controlling terminal.
    const dir = scratch();
    const file = path.join(dir, 'script.sh');
    fs.writeFileSync(file, [
      // ps must not run before the background child has become sleep (it is sh until its exec).
      't=$(tty); echo "tty $t"', 'sleep 5 &', 'echo "sleep $!"', 'echo "sh $$"',
      'while [ "$(ps -p $! -o ucomm=)" != sleep ]; do :; done',
      'ps -o pid,tt,stat,ucomm', 'ps -t $t -o pid,tt,ucomm', 'kill $!', '',
    ].join('\n'));
    const cmd = [path.join(ROOT, 'bin/vkemu'), '-L', WORLD, '-E', 'PATH=/bin:/sbin:/usr/bin:/usr/sbin', '-E', 'LC_ALL=C',
      path.join(WORLD, 'bin/sh'), file].join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const out = r.stdout.replace(/\r/g, '');
    const tty = /^tty \/dev\/pts\/(\d+)$/m.exec(out);
    const sleepPid = /^sleep (\d+)$/m.exec(out)?.[1], shPid = /^sh (\d+)$/m.exec(out)?.[1];
    expect(tty, out).not.toBeNull();
    const n = tty![1];
    // Plain ps lists the processes with this controlling terminal: TT is the pty's number,
    // 's' marks the session leader, '+' the foreground process group.
    expect(out).toMatch(new RegExp(`^\\s*PID TT\\s+STAT\\s+UCOMM\\n\\s*${shPid}\\s+${n}\\s+\\S*s\\+\\s+sh\\n` +
      `\\s*${sleepPid}\\s+${n}\\s+S\\S*\\+\\s+sleep\\n\\s*\\d+\\s+${n}\\s+R\\S*\\+\\s+ps\\n`, 'm'));
    // ps -t /dev/pts/N asks for the processes of that terminal (KERN_PROC_TTY).
    expect(out).toMatch(new RegExp(`^\\s*PID TT\\s+UCOMM\\n\\s*${shPid}\\s+${n}\\s+sh\\n\\s*${sleepPid}\\s+${n}\\s+sleep\\n\\s*\\d+\\s+${n}\\s+ps\\n`, 'm'));
    // Without a terminal nothing has a controlling tty: plain ps lists nothing, -x shows ??.
    const none = sh('ps -o pid,tt,ucomm\nps -x -o tt,ucomm -p $$\n');
    expect(none.out).toMatch(/^\s*PID TT\s+UCOMM\n\s*TT\s+UCOMM\n\s*\?\?\s+sh\n$/);
  });

  it.skipIf(!has('bin/ps'))('ps sees the shell', () => {
    // DragonFly's ps: "comm" is an alias of "ucomm", whose header is UCOMM.
    const r = sh('echo $$\nps -o pid,comm -p $$\nps -p $$ -o command\n');
    const pid = r.out.split('\n')[0];
    expect(r.out).toMatch(new RegExp(`^${pid}\\n\\s+PID UCOMM\\n\\s*${pid} sh\\n\\s*COMMAND\\n\\S*/bin/sh \\S*script\\.sh\\n$`));
  });
});
