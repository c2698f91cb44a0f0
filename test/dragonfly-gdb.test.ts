// gdb on a real DragonFly VKERNEL64, as a new user would use it: a breakpoint
// set before boot hits in the forked child after the kernel's re-exec with no
// `handle` lines; `bt` names libc frames; dfly-ps lists init; dfly-dmesg ends
// with the console's last lines; detach lets the kernel run on; Ctrl-C stops
// it and continue goes on. Needs VKEMU_DRAGONFLY: a directory with `kernel`
// (and `kernel.debug` when the kernel is stripped) and `world/` (the -L root).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootImage } from '../src/dragonfly/boot.js';
import { scratch } from './helpers.js';
import { gdb, killAll, startGuest, type Guest } from './gdb-stub.js';

const DF = process.env.VKEMU_DRAGONFLY;
const KERNEL = DF ? path.join(DF, 'kernel') : '';
const WORLD = DF ? path.join(DF, 'world') : '';
const SYMBOLS = DF && fs.existsSync(KERNEL + '.debug') ? KERNEL + '.debug' : KERNEL;
const why = !DF ? 'VKEMU_DRAGONFLY is not set'
  : !fs.existsSync(KERNEL) ? `no kernel at ${KERNEL}`
  : !fs.existsSync(path.join(WORLD, 'libexec/ld-elf.so.2')) ? `no world at ${WORLD} (libexec/ld-elf.so.2)` : '';
if (why) console.log(`dragonfly-gdb: skipped: ${why} (VKEMU_DRAGONFLY=DIR with DIR/kernel and DIR/world/)`);

const EXT = path.resolve(import.meta.dirname, '../src/gdb/python/dfly.py');
const PRE = [`set sysroot ${WORLD}`, `source ${EXT}`];
let dir = '';
let img = '';

/**
 * The kernel under vkemu -g on a copy of the world's root image, its memory image in our directory; waits for gdb.
 * 256 MiB as `vkemu dragonfly boot` gives: with -m 128m this kernel stalls after getty's banner, gdb or not
 * (docs/DEBUGGING.md, "Known problems").
 */
function boot(): Promise<Guest> {
  return startGuest(['-L', WORLD, KERNEL, '-m', '256m', '-n', '1', '-i', path.join(dir, 'memimg.000000'), '-r', img],
    { stdin: 'pipe' });
}

// DragonFly's own rtld and libc (the world alone, no kernel needed): a program
// built against them (images/c/gdb_reexec.c) re-execs itself and forks, like a
// VKERNEL64 at start.
const worldWhy = !DF ? 'VKEMU_DRAGONFLY is not set'
  : !['libexec/ld-elf.so.2', 'lib/libc.so.8', 'usr/lib/crt1.o', 'usr/lib/gcc80/crtbegin.o'].every((f) => fs.existsSync(path.join(WORLD, f)))
    ? `no rtld, libc and crt files under ${WORLD}` : '';

describe.skipIf(!!worldWhy)('gdb with DragonFly\'s rtld and libc', () => {
  let prog = '';
  let tmp = '';
  /** Compile src with the world's headers and link it with its crt files and libraries. */
  const build = (src: string, out: string, libs: string[]): void => {
    const cc = spawnSync('clang', ['-target', 'x86_64-unknown-dragonfly', `--sysroot=${WORLD}`, '-g', '-O0', '-c', src,
      '-o', out + '.o'], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(cc.stderr);
    const u = (f: string): string => path.join(WORLD, 'usr/lib', f);
    const ld = spawnSync('ld.lld', ['-m', 'elf_x86_64', '--dynamic-linker', '/usr/libexec/ld-elf.so.2', '-o', out,
      u('crt1.o'), u('crti.o'), u('gcc80/crtbegin.o'), out + '.o', `-L${u('')}`, `-L${path.join(WORLD, 'lib')}`,
      ...libs, u('gcc80/crtend.o'), u('crtn.o')], { encoding: 'utf8' });
    if (ld.status !== 0) throw new Error(ld.stderr);
  };
  let threaded = '';
  beforeAll(() => {
    tmp = scratch();
    prog = path.join(tmp, 'gdb_reexec');
    build(path.resolve(import.meta.dirname, '../images/c/gdb_reexec.c'), prog, ['-lc']);
    if (fs.existsSync(path.join(WORLD, 'usr/lib/libpthread.so.0'))) {
      threaded = path.join(tmp, 'threads');
      fs.writeFileSync(threaded + '.c', [
        '#include <pthread.h>', '#include <stdio.h>', '#include <unistd.h>',
        'static volatile int go;',
        'void parked(int id) { while (!go) usleep(1000); }',
        'static void *worker(void *a) { parked((int)(long)a); return 0; }',
        'void all_started(void) { go = 1; }',
        'int main(void) { pthread_t t[2]; for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, (void *)i);',
        '  usleep(50000); all_started(); for (int i = 0; i < 2; i++) pthread_join(t[i], 0);',
        '  printf("threads done\\n"); return 0; }', ''].join('\n'));
      build(threaded + '.c', threaded, ['-lpthread', '-lc']);
    }
  });
  afterAll(() => {
    killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a breakpoint set before start hits in the child after re-exec and fork; bt names libc frames', async () => {
    const g = await startGuest(['-L', WORLD, prog]);
    const r = await gdb(g.port, prog, [`set sysroot ${WORLD}`, 'break child_work', 'continue', 'info threads',
      'thread 1', 'bt', 'info sharedlibrary', 'delete', 'continue']);
    expect(r.out).toMatch(/hit Breakpoint 1, child_work \(n=10\)/);
    expect(r.out).toMatch(/#0 +0x[0-9a-f]+ in wait4 \(\) from \S*\/lib\/libc\.so\.8\n#1 +0x[0-9a-f]+ in waitpid \(\) from \S*libc\.so\.8\n#2 +0x[0-9a-f]+ in main/);
    expect(r.out).toMatch(/Yes \(\*\) +\S*\/libexec\/ld-elf\.so\.2\n/);
    // After the re-exec with LD_SHAREDLIB_BASE the rtld put libc at 0x10000000: gdb followed it.
    expect(r.out).toMatch(/0x00000000100[0-9a-f]{5} +0x[0-9a-f]+ +Yes \(\*\) +\S*\/lib\/libc\.so\.8\n/);
    expect(r.out).toMatch(/exited with code 07/);
    expect(await g.exit).toBe(7);
    expect(g.out()).toBe('child 55\nsupervisor: child exited 7\n');
  });

  it('threads of libthread_xu: each backtraces through libc and libpthread; the library is listed', async (ctx) => {
    if (!threaded) ctx.skip();
    const g = await startGuest(['-L', WORLD, threaded]);
    const r = await gdb(g.port, threaded, [`set sysroot ${WORLD}`, 'break all_started', 'continue', 'info threads',
      'thread apply all bt 5', 'info sharedlibrary', 'delete', 'continue']);
    expect(r.out).toMatch(/Thread 3 \(lwp 3 pid \d+ threads\)/);
    expect(r.out).toMatch(/in nanosleep \(\) from \S*libc\.so\.8\n#1 .* in usleep \(\) from \S*libc\.so\.8\n#2 .* in usleep \(\) from \S*libpthread\.so\.0\n#3 .* in parked \(id=[01]\)/);
    expect(r.out).toMatch(/Yes \(\*\) +\S*\/usr\/lib\/libpthread\.so\.0\n/);
    expect(r.out).not.toMatch(/libthread_db/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toBe('threads done\n');
  });
});

/** Shut the kernel down (SIGTERM, as its supervisor forwards it) and wait: its images stay locked until it is gone. */
async function stop(g: Guest): Promise<void> {
  g.child.kill('SIGTERM');
  const t = setTimeout(() => g.child.kill('SIGKILL'), 30_000);
  await g.exit;
  clearTimeout(t);
}

describe.skipIf(!!why)('gdb on a real DragonFly VKERNEL64', () => {
  beforeAll(() => {
    dir = scratch();
    // The root image `vkemu dragonfly boot` uses (made when the world is newer), copied: the kernel writes to it.
    const made = rootImage(DF!, WORLD, () => undefined);
    img = path.join(dir, 'root.img');
    const r = spawnSync('cp', ['--sparse=always', made, img], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cp: ${r.stderr}`);
  }, 300_000);
  afterAll(() => {
    killAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a breakpoint set before boot hits after the re-exec and the fork; bt names libc; dfly-ps lists init; detach', async () => {
    const g = await boot();
    // gdb's Python must not start before the file is loaded: commands run in order after `target remote`.
    const r = await gdb(g.port, SYMBOLS, [...PRE, 'break mi_startup', 'continue', 'bt 3', 'info threads',
      'thread apply all bt', 'info sharedlibrary', 'delete', 'break sys_execve', 'continue', 'dfly-ps',
      'dfly-vmspace 1', 'dfly-vmspace 99999', 'dfly-threads', 'p $curthread()->td_comm', 'delete', 'detach'], undefined, 240_000);
    expect(r.out, g.err()).toMatch(/Breakpoint 1, (0x[0-9a-f]+ in )?mi_startup \(/);
    expect(r.out).not.toMatch(/received signal/);
    // The supervisor (the parent) waits in libc.
    expect(r.out).toMatch(/in (_?_?sys_)?wait4|in _?waitpid/);
    expect(r.out).toMatch(/from \S*\/libc\.so\.8|libc\.so\.8/);
    expect(r.out).toMatch(/Yes.*\/lib\/libc\.so\.8/);
    expect(r.out).toMatch(/Breakpoint 2, sys_execve/);
    // PID 1 is there (still called swapper while it execs /sbin/init).
    expect(r.out).toMatch(/\n +1 +0 +SACTIVE +0x[0-9a-f]+ +(init|swapper)\n/);
    expect(r.out).toMatch(/no process with PID 99999/);
    expect(r.out).toMatch(/CPU 0: globaldata 0x[0-9a-f]+/);
    expect(r.out).not.toMatch(/Traceback|Python Exception/);
    expect(r.out).toMatch(/\[Inferior 1 \(Remote target\) detached\]/);
    // Detached, the kernel carries on: more console output comes.
    const before = g.out().length;
    await g.waitFor(() => g.out().length > before + 20, 'console output after the detach', 120_000);
    await stop(g);
  }, 400_000);

  it('a kernel breakpoint hits while the shell runs a program: bt through syscall2 and go_user, the process is named', async () => {
    const g = await boot();
    // Only the shell's `sync` stops: rc's own syncs during boot pass the condition by.
    const run = gdb(g.port, SYMBOLS, [...PRE, 'break sys_sync if $_streq($curproc()->p_comm, "sync")', 'continue',
      'bt 4', 'p $curproc()->p_comm', 'p $curproc()->p_pptr->p_comm', 'delete', 'detach'], undefined, 300_000);
    await g.waitFor(() => /dfly# $/.test(g.out()), 'the root shell under gdb', 240_000);
    g.send('sync; echo synced-$?\n');
    const r = await run;
    expect(r.out, `--- console ---\n${g.out()}\n--- vkemu ---\n${g.err()}`).toMatch(/hit Breakpoint 1, sys_sync \(/);
    expect(r.out).toMatch(/#1 +0x[0-9a-f]+ in syscall2 \(frame=0x[0-9a-f]+\) at \S*trap\.c:\d+\n#2 +0x[0-9a-f]+ in go_user \(/);
    expect(r.out).toMatch(/\$1 = "sync\\000/);
    expect(r.out).toMatch(/\$2 = "sh\\000/);
    expect(r.out).toMatch(/\[Inferior 1 \(Remote target\) detached\]/);
    // Detached, the program finishes and the shell takes the next command.
    await g.waitFor(() => /synced-0\r?\n/.test(g.out()), 'sync to finish after the detach', 60_000);
    g.send('echo still-$((6*7))\n');
    await g.waitFor(() => /still-42/.test(g.out()), 'the shell after the detach', 60_000);
    await stop(g);
  }, 400_000);

  it('Ctrl-C stops a running kernel; dfly-dmesg ends with the console\'s last lines; continue goes on', async () => {
    const g = await boot();
    const args = ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', `target remote 127.0.0.1:${g.port}`,
      ...[...PRE, 'continue', 'dfly-dmesg', 'dfly-threads 0', 'p $mycpu(0)->gd_cpuid', 'continue', 'bt 1', 'kill']
        .flatMap((c) => ['-ex', c]), SYMBOLS];
    const p = spawn('gdb', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let interrupts = 0;
    // gdb -batch prints no "Continuing.": the first `continue` follows the stop at the entry, the
    // second the `p` that prints $1. Each is interrupted once the kernel has had time to say something.
    const onData = (d: string): void => {
      out += d;
      const phase = /\$1 = /.test(out) ? 2 : /\n|\(\)/.test(out) ? 1 : 0;
      if (phase > interrupts) {
        interrupts = phase;
        const seen = g.out().length;
        void g.waitFor(() => g.out().length > seen + (phase === 1 ? 200 : 0), 'console output', 180_000)
          .finally(() => setTimeout(() => p.kill('SIGINT'), 1000));
      }
    };
    p.stdout.setEncoding('utf8').on('data', onData);
    p.stderr.setEncoding('utf8').on('data', onData);
    await new Promise((resolve) => p.on('close', resolve));
    expect(out, `--- console ---\n${g.out()}\n--- vkemu ---\n${g.err()}`).toMatch(/received signal SIGINT/);
    // dfly-dmesg (between the stop's frame line and dfly-threads' first line) ends with a line the console showed.
    const after = out.slice(out.indexOf('received signal SIGINT'));
    const block = after.slice(0, after.indexOf('CPU 0: globaldata')).split('\n').map((l) => l.trim()).filter(Boolean);
    const last = block[block.length - 1] ?? '';
    expect(block.length).toBeGreaterThan(5);
    expect(g.out(), `dfly-dmesg's last line: ${last}`).toContain(last);
    expect(out).toMatch(/CPU 0: globaldata 0x[0-9a-f]+/);
    expect(out).toMatch(/\$1 = 0/);
    expect(out.split('received signal SIGINT').length - 1).toBe(2);
    expect(out).not.toMatch(/Traceback|Python Exception/);
    await stop(g);
  }, 400_000);
});
