// The GDB stub with the real gdb (Debian's, batch mode) against real guests:
// C and Go programs built with debug info, and vkmini.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { image, ROOT } from './helpers.js';
import { gdb, killAll, startGuest } from './gdb-stub.js';

afterEach(killAll);

const DEMO = image('c', 'gdb_demo');

describe('gdb stub: C program', () => {
  it('breaks on a function, steps, nexts, shows registers and finishes', async () => {
    const g = await startGuest([DEMO, 'basic']);
    const r = await gdb(g.port, DEMO, ['break compute', 'continue', 'bt', 'info registers rip rsp eflags fs_base cs',
      'next', 'next', 'step', 'bt', 'finish', 'p $xmm0.v4_int32', 'p $fctrl', 'delete', 'continue']);
    expect(r.out).toMatch(/Breakpoint 1, compute \(n=5\) at c\/gdb_demo\.c:40/);
    expect(r.out).toMatch(/#1 +0x[0-9a-f]+ in main \(argc=2, argv=0x[0-9a-f]+\) at c\/gdb_demo\.c:\d+/);
    expect(r.out).toMatch(/rip +0x[0-9a-f]+ +0x[0-9a-f]+ <compute\+\d+>/);
    expect(r.out).toMatch(/eflags +0x[0-9a-f]+ +\[ .*IF.* \]/);
    expect(r.out).toMatch(/cs +0x2b/);
    expect(r.out).toMatch(/\n41\t\tfor \(int i = 1; i <= n; i\+\+\)/);
    expect(r.out).toMatch(/\n42\t\t\tsum \+= square\(i\);/);
    expect(r.out).toMatch(/square \(x=1\) at c\/gdb_demo\.c:29/);
    expect(r.out).toMatch(/#1 +0x[0-9a-f]+ in compute \(n=5\)/);
    expect(r.out).toMatch(/Value returned is \$\d+ = 1/);
    expect(r.out).toMatch(/= 0x37f|= 895/); // x87 control word from the FXSAVE image
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toBe('compute 55 counter 7\n');
  });

  it('a write watchpoint fires at the line that writes, with old and new values', async () => {
    const g = await startGuest([DEMO, 'basic']);
    const r = await gdb(g.port, DEMO, ['watch counter', 'continue', 'bt 1', 'continue', 'delete', 'continue']);
    expect(r.out).toMatch(/Hardware watchpoint 1: counter\n+Old value = 0\nNew value = 3\nbump \(by=3\) at c\/gdb_demo\.c:3[56]/);
    expect(r.out).toMatch(/Old value = 3\nNew value = 7\nbump \(by=4\)/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
  });

  it('a watchpoint fires during single steps, and a continue after it is not cut short', async () => {
    const g = await startGuest([DEMO, 'basic']);
    const r = await gdb(g.port, DEMO, ['break bump', 'continue', 'watch counter', 'stepi 20', 'continue', 'continue',
      'delete', 'continue']);
    expect(r.out).toMatch(/Old value = 0\nNew value = 3\nbump \(by=3\)/);
    expect(r.out).toMatch(/Breakpoint 1, bump \(by=4\)/);
    expect(r.out).toMatch(/Old value = 3\nNew value = 7\nbump \(by=4\)/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
  });

  it('lists threads with lwp and pid, and backtraces each', async () => {
    const g = await startGuest([DEMO, 'threads']);
    const r = await gdb(g.port, DEMO, ['break all_parked', 'continue', 'info threads', 'thread apply all bt', 'delete', 'continue']);
    expect(r.out).toMatch(/hit Breakpoint 1, all_parked \(\) at c\/gdb_demo\.c:\d+/);
    for (let lwp = 1; lwp <= 4; lwp++) expect(r.out).toMatch(new RegExp(`Thread \\d+ \\(lwp ${lwp} pid \\d+ gdb_demo`));
    // Three workers, each parked in worker_park(id) called from worker().
    for (const id of [0, 1, 2]) expect(r.out).toMatch(new RegExp(`in worker_park \\(id=${id}\\) at c/gdb_demo\\.c:\\d+\\n#\\d+ +0x[0-9a-f]+ in worker \\(arg=0x${id}\\)`));
    expect(r.out).toMatch(/#0 +all_parked \(\) at c\/gdb_demo\.c:\d+\n#1 +0x[0-9a-f]+ in threads \(\)/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toContain('results 385 506 650');
  });

  it('Ctrl-C stops a looping program; a variable set from gdb ends the loop', async () => {
    const g = await startGuest([DEMO, 'loop']);
    const r = await gdb(g.port, DEMO, ['continue', 'bt', 'set var stop_loop = 1', 'continue'],
      { when: /_start \(\)/, act: (p) => setTimeout(() => p.kill('SIGINT'), 1500) });
    expect(r.out).toMatch(/Program received signal SIGINT, Interrupt\./);
    expect(r.out).toMatch(/main \(argc=2, argv=0x[0-9a-f]+\) at c\/gdb_demo\.c:9[45]/);
    expect(r.out, `vkemu stderr:\n${g.err()}`).toMatch(/exited with code 03/);
    expect(await g.exit).toBe(3);
    expect(g.out()).toBe('loop ended\n');
  });

  it('single steps leave no trap flag for the program to see (a stepped pushf)', async () => {
    const g = await startGuest([DEMO, 'flags']);
    const r = await gdb(g.port, DEMO, ['break read_flags', 'continue', 'stepi 12', 'delete', 'continue']);
    expect(r.out).toMatch(/Breakpoint 1, read_flags/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toBe('flags tf=0\n');
  });

  it('detach lets the program run to its end', async () => {
    const g = await startGuest([DEMO, 'finish']);
    const r = await gdb(g.port, DEMO, ['break square', 'continue', 'detach']);
    expect(r.out).toMatch(/Breakpoint 1, square \(x=1\)/);
    expect(r.out).toMatch(/\[Inferior 1 \(Remote target\) detached\]/);
    expect(await g.exit).toBe(42);
    expect(g.out()).toBe('finished 14\n');
  });

  it('finds the program by itself (qXfer:exec-file, vFile) and reads auxv', async () => {
    const g = await startGuest([DEMO, 'basic']);
    const r = await gdb(g.port, '', ['info auxv', 'break bump', 'continue', 'p by', 'kill']);
    expect(r.out).toMatch(/\n6 +AT_PAGESZ +System page size +4096\n/);
    expect(r.out).toMatch(/Reading symbols from target:.*gdb_demo/);
    expect(r.out).toMatch(/\n9 +AT_ENTRY +Entry point of program +0x[0-9a-f]+\n/);
    expect(r.out).toMatch(/Breakpoint 1, bump \(by=3\)/);
    expect(r.out).toMatch(/\$1 = 3/);
    expect(await g.exit).toBe(137);
  });
});

describe('gdb stub: Go program', () => {
  it('breaks on a Go function called from a goroutine and from main', async () => {
    const prog = image('go', 'gdbprog');
    const g = await startGuest([prog]);
    const r = await gdb(g.port, prog, ['break main.add', 'continue', 'info args', 'bt 2', 'next', 'next', 'print s',
      'continue', 'info args', 'delete', 'continue']);
    expect(r.out).toMatch(/hit Breakpoint 1, main\.add \(a=40, b=2/);
    expect(r.out).toMatch(/#1 +0x[0-9a-f]+ in main\.main\.func1 \(\)/);
    expect(r.out).toMatch(/\$1 = 42/);
    expect(r.out).toMatch(/main\.add \(a=1, b=2/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toBe('gdbprog: 45 45\n');
  });
});

describe('gdb stub: vkmini', () => {
  it('reads kernel variables through KVA and walks the virtual page table', async () => {
    const kernel = path.join(ROOT, 'images/build/vkmini/kernel');
    const g = await startGuest([kernel, '-m', '64m', '-n', '2'], { stdin: 'pipe' });
    const r = await gdb(g.port, kernel, ['break sys_write', 'continue', 'info threads', 'p/x K', 'p K->k_nextpid',
      'p cpus[0]->gd_cpuid', 'p/x cpus[0]->gd_self', 'p/x *(unsigned long *)0x8000000000', 'monitor vpte 0x8000000000',
      'monitor vmspaces', 'monitor ticks', 'delete', 'detach']);
    expect(r.out).toMatch(/hit Breakpoint 1, sys_write \(p=0x80000[0-9a-f]+, fd=1/);
    // The vkernel itself (pid 100, the supervisor) and its child, the running kernel.
    expect(r.out).toMatch(/lwp 1 pid 100 kernel/);
    expect(r.out).toMatch(/lwp 1 pid 101 kernel/);
    expect(r.out).toMatch(/\$1 = 0x8000000000\n/); // K lives in KVA
    expect(r.out).toMatch(/\$2 = [1-9]\d*\n/);
    expect(r.out).toMatch(/\$3 = 0\n/);
    expect(r.out).toMatch(/\$4 = 0x80000[0-9a-f]+\n/);
    expect(r.out).toMatch(/0x8000000000 in MAP_VPAGETABLE 0x8000000000-0x10000000000/);
    expect(r.out).toMatch(/PTE\[0\] = 0x[0-9a-f]+ V RW/);
    expect(r.out).toMatch(/-> memory image offset 0x[0-9a-f]+/);
    expect(r.out).toMatch(/pid 101 \(.*kernel\): \d+ vmspace\(s\)/);
    expect(r.out).toMatch(/ms since boot/);
    expect(r.out).toMatch(/\[Inferior 1 \(Remote target\) detached\]/);
    // Detached, vkmini carries on: it answers at its prompt and halts.
    await g.waitFor(() => g.out().includes('vkmini# '), 'the vkmini prompt');
    g.send('halt\n');
    await g.waitFor(() => g.out().includes('The operating system has halted.'), 'the halt');
    g.child.stdin?.end();
    expect(await g.exit).toBe(0);
  });
});
