// vkmini, our own small virtual kernel (images/vkmini), booted under vkemu:
// the supervisor, the memory image and KVA, guest vmspaces with trapframe
// exits, preemption by the timer tick, two vCPUs, console input, halt/reboot.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, VKEMU, scratch } from './helpers.js';
import { HALTED, KERNEL, killAll, PROMPT, Vkmini } from './vkmini-console.js';

afterEach(killAll);

const T = 20_000;

function image(): string {
  return path.join(scratch(), 'memimg');
}

describe('vkmini virtual kernel', () => {
  it('boots to the prompt, runs programs and halts with exit status 0', async () => {
    const mem = image();
    const vk = new Vkmini(['-m', '64m', '-i', mem]);
    await vk.waitFor(() => vk.out.includes(PROMPT), 'the first prompt');
    expect(vk.err).toContain(`Using memory file: ${mem}`);
    expect(vk.out).toContain('KVM mapped at 0x8000000000-0x10000000000');
    expect(vk.out).toContain('vkmini: 64 MB memory, 2 cpus');
    expect(vk.out).toContain('cpu1: vCPU thread');
    expect(fs.statSync(mem).size).toBe(64 << 20);

    expect(await vk.cmd('help')).toContain('run PROG');
    // hello's vectorised loops check that its FPU state survives its page-fault exits
    expect(await vk.cmd('run hello a b')).toMatch(/hello from pid \d+ \(hello\) a b\n.*mmap sum 8386560: ok/);
    const crash = await vk.cmd('run crash');
    expect(crash).toMatch(/pid (\d+) \(crash\): segmentation fault at 0x0\n\[\1\] killed by signal 11/);
    // a cleared vpte followed by vmspace_mcontrol(MADV_INVAL) really unmaps
    expect(await vk.cmd('run crash munmap')).toMatch(/touching 0x100000000 after munmap\n.*segmentation fault at 0x100000000/);
    // a write to a vpte without VPTE_RW faults (the address is reported at page granularity by vkemu)
    const text = await vk.cmd('run crash text');
    const main = /writing to main at 0x([0-9a-f]+)/.exec(text)?.[1];
    const at = /\(crash\): segmentation fault at 0x([0-9a-f]+)/.exec(text)?.[1];
    expect(main && at && parseInt(at, 16) >> 12).toBe(main && parseInt(main, 16) >> 12);
    expect(await vk.cmd('run nosuch')).toContain('run: nosuch: no such program');
    // processes give their pages back
    const free = (o: string): string | undefined => /vm.free_pages: (\d+)/.exec(o)?.[1];
    const before = free(await vk.cmd('sysctl vm.free_pages'));
    await vk.cmd('run hello');
    expect(free(await vk.cmd('sysctl vm.free_pages'))).toBe(before);
    // spawnbench: 20 processes started and reaped, none of their pages left behind.
    const sb = JSON.parse((await vk.cmd('spawnbench 20')).split('\n').find((l) => l.startsWith('{')) ?? '{}') as { n?: number; ns_each?: number };
    expect(sb.n).toBe(20);
    expect(sb.ns_each).toBeGreaterThan(0);
    expect(free(await vk.cmd('sysctl vm.free_pages'))).toBe(before);
    expect(await vk.cmd('spawnbench 2 nosuch')).toContain('spawnbench: nosuch: no such');
    const ps = await vk.cmd('ps');
    expect(ps).toMatch(/PID +PPID +CPU +STAT +TIME +COMMAND/);
    expect(ps).toMatch(/ +1 +0 +\d +run +[\d.]+ init/);
    expect(ps).not.toContain('crash');
    expect(await vk.cmd('uname')).toContain('vkmini 1.0 x86_64');
    const sysctl = await vk.cmd('sysctl');
    expect(sysctl).toContain('kern.ostype: vkmini');
    expect(sysctl).toContain('hw.ncpu: 2');
    expect(sysctl).toContain('hw.physmem: 67108864');
    expect(sysctl).toContain('host.ostype: DragonFly');
    expect(sysctl).toMatch(/host.ncpu: [1-9]/);
    expect(await vk.cmd('sysctl vm.memimage')).toContain(`vm.memimage: ${mem}`);
    expect(await vk.cmd('sysctl no.such')).toContain("unknown oid 'no.such'");

    vk.send('halt\n');
    expect(await vk.halted()).toBe(0);
    expect(vk.out).not.toContain('panic');
  }, T);

  it('reboot re-forks a fresh kernel; the pid file lives until halt', async () => {
    const dir = scratch();
    const pidfile = path.join(dir, 'vkmini.pid');
    const vk = new Vkmini(['-m', '64m', '-n', '1', '-i', path.join(dir, 'memimg'), '-p', pidfile, '-e', 'greeting=hi']);
    await vk.waitFor(() => vk.out.includes(PROMPT), 'the first prompt');
    expect(fs.readFileSync(pidfile, 'utf8')).toMatch(/^\d+\n$/);
    const first = fs.readFileSync(pidfile, 'utf8');
    expect(await vk.cmd('sysctl kenv.greeting')).toContain('kenv.greeting: hi');
    vk.send('reboot\n');
    await vk.waitFor(() => vk.count('vkmini: 64 MB memory, 1 cpu') === 2 && vk.count(PROMPT) >= 3, 'the second boot');
    expect(vk.out).toContain('Rebooting...');
    expect(vk.count('KVM mapped at')).toBe(2);
    expect(vk.err.split('Using memory file:').length - 1).toBe(2);
    // a new child, with its own pid, holds the pid file (and the memory image lock) now
    expect(fs.readFileSync(pidfile, 'utf8')).not.toBe(first);
    expect(await vk.cmd('run hello')).toContain('mmap sum 8386560: ok');
    vk.send('halt\n');
    expect(await vk.halted()).toBe(0);
    expect(fs.existsSync(pidfile)).toBe(false);
  }, T);

  it('a second instance on the same memory image is refused', async () => {
    const mem = image();
    const vk = new Vkmini(['-m', '64m', '-n', '1', '-i', mem]);
    await vk.waitFor(() => vk.out.includes(PROMPT), 'the first prompt');
    const r = spawnSync(VKEMU, [KERNEL, '-m', '64m', '-i', mem], { encoding: 'utf8', timeout: 15_000, cwd: ROOT });
    expect(r.stderr).toContain(`memory image ${mem} is in use by another vkernel`);
    expect(r.stdout).not.toContain('KVM mapped');
    expect(r.status).toBe(0);	// the supervisor exits 0 for any outcome but reboot (§1.3)
    expect(await vk.cmd('run hello')).toContain('ok');	// the first one is unharmed
    vk.send('halt\n');
    expect(await vk.halted()).toBe(0);
  }, T);

  it('SIGTERM to vkemu shuts the kernel down cleanly (exit status 0)', async () => {
    const vk = new Vkmini(['-m', '64m', '-i', image()]);
    await vk.waitFor(() => vk.out.includes(PROMPT), 'the first prompt');
    vk.child.kill('SIGTERM');
    await vk.waitFor(() => vk.out.includes('Caught SIGTERM from host system. Shutting down...'), 'the SIGTERM message');
    expect(await vk.halted()).toBe(0);
  }, T);

  it('preempts a spinning program on one vCPU; kill and ^C stop programs', async () => {
    const vk = new Vkmini(['-m', '64m', '-n', '1', '-i', image()]);
    await vk.waitFor(() => vk.out.includes(PROMPT), 'the first prompt');
    const bg = await vk.cmd('run loop &');
    const pid = /\[(\d+)\] loop/.exec(bg)?.[1];
    expect(pid).toBeDefined();
    await vk.waitFor(() => vk.out.includes(`loop: pid ${pid} spinning`), 'loop to run');
    // loop never makes a system call: only the tick's exits (tf_trapno 0) let init run
    expect(await vk.cmd('ps')).toMatch(new RegExp(` ${pid} +1 +0 +\\w+ +[\\d.]+ loop`));
    expect(await vk.cmd('run hello')).toContain('mmap sum 8386560: ok');
    const k = await vk.cmd(`kill ${pid}`);
    const after = k + await vk.cmd('ps');
    expect(after).toContain(`[${pid}] killed by signal 15`);
    expect(after.slice(after.lastIndexOf('PID'))).not.toContain('loop');

    vk.send('run loop\n');	// in the foreground: init waits for it
    await vk.waitFor(() => vk.count('spinning') === 2, 'the second loop');
    const prompts = vk.count(PROMPT);
    vk.send('\x03');
    await vk.waitFor(() => vk.count(PROMPT) > prompts, 'the prompt after ^C');
    expect(vk.out).toMatch(/\^C\n\[\d+\] killed by signal 2\n/);
    vk.send('halt\n');
    expect(await vk.halted()).toBe(0);
  }, T);

  it('runs user processes on two vCPUs at once (-n 2)', async () => {
    const vk = new Vkmini(['-m', '128m', '-n', '2', '-i', image()]);
    await vk.waitFor(() => vk.out.includes(PROMPT), 'the first prompt');
    expect(vk.out).toContain('vkmini: 128 MB memory, 2 cpus');
    const a = /\[(\d+)\] loop/.exec(await vk.cmd('run loop &'))?.[1];
    const b = /\[(\d+)\] loop/.exec(await vk.cmd('run loop &'))?.[1];
    await vk.waitFor(() => vk.count('spinning') === 2, 'both loops to run');
    expect(await vk.cmd('run hello')).toContain('mmap sum 8386560: ok');
    const ps = await vk.cmd('ps');
    expect(ps).toMatch(new RegExp(` ${a} +1 +[01] `));
    expect(ps).toMatch(new RegExp(` ${b} +1 +[01] `));
    await vk.cmd(`kill ${a}`);
    await vk.cmd(`kill ${b}`);
    // a loop running on the other vCPU is stopped by an IPI there; init reports it at a later prompt
    for (let i = 0; i < 50 && vk.count('killed by signal 15') < 2; i++) await vk.cmd('');
    expect(vk.out).toContain(`[${a}] killed by signal 15`);
    expect(vk.out).toContain(`[${b}] killed by signal 15`);
    vk.send('halt\n');
    expect(await vk.halted()).toBe(0);
  }, T);

  it('end of console input halts the kernel', () => {
    const r = spawnSync(VKEMU, [KERNEL, '-m', '64m', '-n', '1', '-i', image()],
      { encoding: 'utf8', timeout: 15_000, cwd: ROOT, input: 'run hello\nps\n' });
    expect(r.stdout).toContain('mmap sum 8386560: ok');
    expect(r.stdout).toContain('init: end of console input');
    expect(r.stdout).toContain(HALTED);
    expect(r.status).toBe(0);
  }, T);

  it('rejects bad options like a vkernel does', () => {
    const run = (...args: string[]): { err: string; status: number | null } => {
      const r = spawnSync(VKEMU, [KERNEL, ...args], { encoding: 'utf8', timeout: 15_000, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      return { err: r.stderr, status: r.status };
    };
    const bytes = run('-m', '134217728');
    expect(bytes.err).toContain('Bad maxmem option');
    expect(bytes.status).toBe(0);
    for (const m of ['32m', '65m']) {
      expect(run('-m', m, '-i', image()).err).toContain('Bad maxmem specification: 64MB minimum, multiples of 2MB only');
    }
    expect(run('-m', '64m', '-n', '0').err).toContain('Bad ncpus');
    expect(run('-x').err).toContain('usage:');
    expect(run('-n', '1').err).toContain('Cannot create new memory file');
  }, T);
});
