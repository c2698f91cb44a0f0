// The GDB stub on a virtual kernel (vkmini): its own signals (SIGURG ticks,
// SIGUSR1 IPIs) go by without stopping gdb and without any `handle` line;
// `monitor signals` shows and changes that policy; a real fault still stops.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { gdb, killAll, startGuest, type Guest } from './gdb-stub.js';

afterEach(killAll);

const KERNEL = path.join(ROOT, 'images/build/vkmini/kernel');

/** Type commands at vkmini's prompt until it halts. */
async function session(g: Guest, cmds: string[]): Promise<void> {
  let seen = 0;
  const prompts = (): number => g.out().split('vkmini# ').length - 1;
  for (const c of [...cmds, 'halt']) {
    await g.waitFor(() => prompts() > seen, `the vkmini prompt before '${c}'`, 30_000);
    seen = prompts();
    g.send(c + '\n');
  }
  await g.waitFor(() => g.out().includes('The operating system has halted.'), 'the halt', 30_000);
  g.child.stdin?.end();
}

describe('gdb stub: virtual kernel signals', () => {
  it('its clock ticks do not stop gdb, even with `handle SIGURG stop`; the policy is shown', async () => {
    const g = await startGuest([KERNEL, '-m', '64m', '-n', '2'], { stdin: 'pipe' });
    const drive = session(g, ['run hello', 'run loop &', 'ps', 'run hello']);
    const r = await gdb(g.port, KERNEL, ['handle SIGURG stop print', 'monitor signals', 'continue']);
    await drive;
    expect(r.out).toMatch(/delivered so far: none/);
    expect(r.out).toMatch(/vkernel signal policy: on\n +delivered without stopping gdb: SIGINT SIGALRM SIGURG SIGIO SIGXCPU SIGWINCH SIGINFO SIGUSR1/);
    expect(r.out).toMatch(/MAP_VPAGETABLE memory: delivered without stopping/);
    expect(r.out).not.toMatch(/received signal/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
  }, 60_000);

  it('`monitor signals stop SIGURG` hands the ticks back to gdb', async () => {
    const g = await startGuest([KERNEL, '-m', '64m', '-n', '1'], { stdin: 'pipe' });
    const r = await gdb(g.port, KERNEL, ['handle SIGURG stop print', 'monitor signals stop URG', 'continue', 'bt 1',
      'monitor signals pass SIGBOGUS', 'monitor signals frob', 'monitor signals off', 'kill']);
    expect(r.out).toMatch(/delivered without stopping gdb: SIGINT SIGALRM SIGIO/);
    expect(r.out).not.toMatch(/delivered without stopping gdb: .*SIGURG/);
    expect(r.out).toMatch(/received signal SIGURG/);
    expect(r.out).toMatch(/delivered so far: (SIGALRM \d+|none)/);
    expect(r.out).toMatch(/unknown signal SIGBOGUS/);
    expect(r.out).toMatch(/usage: signals \[on\|off/);
    expect(r.out).toMatch(/vkernel signal policy: off/);
    expect(await g.exit).toBe(137);
  }, 60_000);

  it('a single-stepped vkernel thread does not wander into its tick handler', async () => {
    const g = await startGuest([KERNEL, '-m', '64m', '-n', '1'], { stdin: 'pipe' });
    const r = await gdb(g.port, KERNEL, ['break on_tick', 'break sys_write', 'continue', 'delete 2',
      'python import time\nfor i in range(300):\n  gdb.execute("stepi", to_string=True)\n  f = gdb.selected_frame()\n  time.sleep(0.001)\n  names = []\n  while f is not None:\n    names.append(f.name())\n    f = f.older()\n  if "on_tick" in names: print("STEPPED INTO on_tick"); break\nprint("STEPS DONE")',
      'continue', 'bt 1', 'kill']);
    expect(r.out).toMatch(/STEPS DONE/);
    expect(r.out).not.toMatch(/STEPPED INTO/);
    // The held tick comes after the steps.
    expect(r.out).toMatch(/Breakpoint 1, on_tick/);
    expect(await g.exit).toBe(137);
  }, 60_000);

  it('with the extension, a backtrace from a signal handler goes on into the interrupted code', async () => {
    const g = await startGuest([KERNEL, '-m', '64m', '-n', '1'], { stdin: 'pipe' });
    const ext = path.join(ROOT, 'src/gdb/python/dfly.py');
    const r = await gdb(g.port, KERNEL, [`source ${ext}`, 'break on_tick', 'continue', 'bt', 'kill']);
    expect(r.out).toMatch(/#0 +on_tick \(sig=16/);
    // #1 is vkemu's trampoline, #2 a function of vkmini's (named, with its source line).
    expect(r.out).toMatch(/#1 +0x00007fffffdfe003 in \?\? \(\)\n#2 +(0x[0-9a-f]+ in )?\w+ \(.*\) at \S+:\d+/);
    expect(await g.exit).toBe(137);
  }, 60_000);

  it('Ctrl-C stops a running vkernel and continue lets it go on', async () => {
    const g = await startGuest([KERNEL, '-m', '64m', '-n', '2'], { stdin: 'pipe' });
    const r = await gdb(g.port, KERNEL, ['continue', 'info threads', 'continue'], {
      when: /_start \(\)/,
      act: (p) => {
        // At its prompt: interrupt it; once gdb has stopped it, type `halt` for when it runs again
        // (typed earlier, the kernel could halt before the interrupt reaches the stub).
        let said = '';
        let typed = false;
        p.stdout?.on('data', (d: Buffer) => {
          said += d.toString();
          if (!typed && /received signal SIGINT/.test(said)) {
            typed = true;
            g.send('halt\n');
          }
        });
        void g.waitFor(() => g.out().includes('vkmini# '), 'the vkmini prompt', 30_000).then(() => p.kill('SIGINT'), () => p.kill('SIGINT'));
      },
    });
    expect(r.out).toMatch(/received signal SIGINT, Interrupt\./);
    expect(r.out).toMatch(/Thread \d+ \(lwp \d+ pid 101 kernel/);
    expect(r.out).toMatch(/exited normally/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toContain('The operating system has halted.');
  }, 60_000);
});
