// vkemu's gdb extension (src/gdb/python/dfly.py) on a stand-in for a
// DragonFly kernel's data (images/c/dfly_fake.c: the same variable and field
// names, a known state): processes and LWPs, the wrapped message buffer, the
// threads of each CPU, a map and a page-table walk, the per-CPU functions,
// and one-line answers to bad input.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { image, ROOT, VKEMU } from './helpers.js';

function vkemuGdb(cmds: string[], prog: string): string {
  const r = spawnSync(VKEMU, ['gdb', '--batch', ...cmds.flatMap((c) => ['-ex', c]), prog],
    { encoding: 'utf8', timeout: 40_000, cwd: ROOT });
  return r.stdout + r.stderr;
}

describe('the DragonFly gdb extension', () => {
  let out = '';
  beforeAll(() => {
    out = vkemuGdb(['break ready', 'continue', 'dfly-ps', 'dfly-dmesg', 'dfly-threads', 'dfly-vmspace 1 0x400123',
    'dfly-vmspace 12', 'dfly-vmspace 99', 'dfly-vmspace 1 0x900000', 'dfly-vmspace 1 zork', 'dfly-threads 7',
    'p $mycpu()->gd_cpuid', 'p $curthread()->td_comm', 'p $curproc()->p_pid', 'p $curthread(0)->td_comm', 'p $mycpu(5)',
    'continue'], image('c', 'dfly_fake'));
  }, 60_000);

  it('dfly-ps: processes from every allproc chain, their LWPs from the RB tree', () => {
    expect(out).toMatch(/ +1 +0 +SACTIVE +0x[0-9a-f]+ +init\n +1 LSSLEEP +1 wait 0x[0-9a-f]+ +init\n/);
    expect(out).toMatch(/ +12 +1 +SACTIVE +0x[0-9a-f]+ +sh\n +1 LSRUN +1 - +sh\n +2 LSSLEEP +1 ttyin 0x[0-9a-f]+ +sh\n/);
    expect(out).toMatch(/ +13 +12 +SZOMB .*zombie\n3 processes\n/);
  });

  it('dfly-dmesg: the message buffer from msg_bufr to msg_bufx, across the wrap', () => {
    expect(out).toContain('first line\nsecond line\nthird line\n');
  });

  it('dfly-threads: each CPU\'s gd_tdallq, the running thread marked', () => {
    expect(out).toMatch(/CPU 0: globaldata 0x[0-9a-f]+, curthread 0x[0-9a-f]+\n.*\n +0x[0-9a-f]+ +0 +- +- +idle_0\n \* 0x[0-9a-f]+ +10 +- syncer 0x[0-9a-f]+ +syncer\n +2 threads/);
    expect(out).toMatch(/CPU 1: .*\n.*\n +0x[0-9a-f]+ +20 +1 wait .*init\n \* 0x[0-9a-f]+ +20 +12 - +sh\n/);
  });

  it('dfly-vmspace: map entries in address order and the walk of an address', () => {
    expect(out).toMatch(/process 1 \(init\): vmspace 0x[0-9a-f]+, 3 entries, 3145728 bytes/);
    expect(out).toMatch(/0x0000000000200000 0x0000000000300000 +r-x 1 +0x0\n +0x0000000000400000 0x0000000000500000 +rw- 1 +0x[0-9a-f]+ +<- 0x400123\n/);
    expect(out).toMatch(/PTE +\[ +0\] = 0x0000000000005027 V RW U A\n +-> physical 0x5123 \(memory image offset\)/);
    expect(out).toMatch(/0x900000 is in no map entry of process 1\n[^]*PDE +\[ +4\] = 0x0000000000000000 \n +-> not mapped/);
  });

  it('$mycpu, $curthread, $curproc through %gs or a CPU number', () => {
    expect(out).toMatch(/\$1 = 1\n/);
    expect(out).toMatch(/\$2 = "sh", /);
    expect(out).toMatch(/\$3 = 12\n/);
    expect(out).toMatch(/\$4 = "syncer/);
  });

  it('bad input: one line each, never a traceback', () => {
    expect(out).toMatch(/process 12 has no vmspace \(a zombie\?\)/);
    expect(out).toMatch(/no process with PID 99 \(dfly-ps lists them\)/);
    expect(out).toMatch(/dfly-vmspace ADDR: 'zork' is not a number/);
    expect(out).toMatch(/no CPU 7 \(ncpus is 2\)/);
    expect(out).toMatch(/no CPU 5 \(ncpus is 2\)/);
    expect(out).not.toMatch(/Traceback|Python Exception/);
    expect(out).toMatch(/dfly_fake: done/);
  });
});
