// The GDB stub follows exec and fork the way a VKERNEL64 needs: a breakpoint
// set before the program starts hits in its forked child after a re-exec,
// with no gdb settings; an exec of another program leaves it untouched.
import { afterEach, describe, expect, it } from 'vitest';
import { image } from './helpers.js';
import { gdb, killAll, startGuest } from './gdb-stub.js';

afterEach(killAll);

const PROG = image('c', 'gdb_reexec');

describe('gdb stub: exec and fork', () => {
  it('a breakpoint set before start hits in the child after the re-exec and the fork', async () => {
    const g = await startGuest([PROG]);
    const r = await gdb(g.port, PROG, ['break child_work', 'continue', 'bt', 'info threads', 'delete', 'continue']);
    expect(r.out).toMatch(/hit Breakpoint 1, child_work \(n=10\) at c\/gdb_reexec\.c:\d+/);
    expect(r.out).toMatch(/#1 +0x[0-9a-f]+ in main \(/);
    // The child (pid 101) stopped; its supervisor waits.
    expect(r.out).toMatch(/\* \d+ +Thread \d+ \(lwp 1 pid 101 gdb_reexec\) +child_work/);
    expect(r.out).toMatch(/Thread \d+ \(lwp 1 pid 100 gdb_reexec, in wait\)/);
    expect(r.out).toMatch(/exited with code 07/);
    expect(await g.exit).toBe(7);
    expect(g.out()).toBe('child 55\nsupervisor: child exited 7\n');
  });

  it('a breakpoint stays with its program when the process execs another one', async () => {
    const hello = image('c', 'hello');
    const g = await startGuest([PROG, 'other', hello]);
    const r = await gdb(g.port, PROG, ['break child_work', 'continue']);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toMatch(/6 passed, 0 failed/);
  });
});
