// `vkemu gdb`: gdb already attached, with the program's symbols and vkemu's
// DragonFly extension loaded; and the extension's answers to bad input.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { image, VKEMU, ROOT } from './helpers.js';
import { killAll, startGuest } from './gdb-stub.js';

afterEach(killAll);

function vkemuGdb(args: string[]): Promise<{ out: string; status: number | null }> {
  const c = spawn(VKEMU, ['gdb', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  c.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const timer = setTimeout(() => c.kill('SIGKILL'), 40_000);
  return new Promise((resolve) => c.on('close', (status) => { clearTimeout(timer); resolve({ out, status }); }));
}

const PROG = image('c', 'gdb_reexec');

describe('vkemu gdb', () => {
  it('starts the guest and gdb attached to it, with symbols; the guest runs to its end', async () => {
    const r = await vkemuGdb(['--batch', '-ex', 'break child_work', '-ex', 'continue', '-ex', 'bt 1', '-ex', 'delete',
      '-ex', 'continue', PROG]);
    expect(r.out).toMatch(/vkemu gdb: vkemu \(pid \d+\) listens on 127\.0\.0\.1:\d+; symbols from \S+gdb_reexec; DragonFly commands loaded/);
    expect(r.out).toMatch(/hit Breakpoint 1, child_work \(n=10\) at c\/gdb_reexec\.c:\d+/);
    expect(r.out).toContain('child 55\nsupervisor: child exited 7\n');
    expect(r.out).toMatch(/exited with code 07/);
    expect(r.status).toBe(7);
  });

  it('attaches to a running vkemu -g', async () => {
    const g = await startGuest([PROG]);
    const r = await vkemuGdb(['--attach', String(g.port), '--batch', '-ex', 'break child_work', '-ex', 'continue', '-ex', 'kill', PROG]);
    expect(r.out).toMatch(/hit Breakpoint 1, child_work/);
    expect(await g.exit).toBe(137);
  });

  it('refuses bad options with the usage', async () => {
    const r = await vkemuGdb(['--attach']);
    expect(r.out).toMatch(/vkemu gdb: option --attach needs an argument\nusage: vkemu gdb/);
    expect(r.status).toBe(64);
  });

  it('the DragonFly commands say what is wrong, never with a Python traceback', async () => {
    const r = await vkemuGdb(['--batch', '-ex', 'dfly', '-ex', 'dfly-ps', '-ex', 'dfly-dmesg', '-ex', 'dfly-threads x',
      '-ex', 'dfly-vmspace', '-ex', 'dfly-vmspace 1 zz', '-ex', 'p $mycpu()', '-ex', 'p $curthread(1, 2)', '-ex', 'kill', image('c', 'hello')]);
    expect(r.out).toMatch(/dfly-ps +processes and their LWPs/);
    expect(r.out).toMatch(/needs the kernel symbol 'procglob': is this a DragonFly kernel/);
    expect(r.out).toMatch(/needs the kernel symbol 'msgbufp'/);
    expect(r.out).toMatch(/dfly-threads: 'x' is not a number/);
    expect(r.out).toMatch(/usage: dfly-vmspace PID \[ADDR\]/);
    expect(r.out).toMatch(/dfly-vmspace ADDR: 'zz' is not a number/);
    expect(r.out).toMatch(/the selected thread has no per-CPU data \(gs_base is 0\)/);
    expect(r.out).toMatch(/takes at most one argument, a CPU number/);
    expect(r.out).not.toMatch(/Traceback|Python Exception/);
  });
});
