// Shared libraries under the GDB stub: the toy rtld (images/ldso) maps
// libtoy.so.1 and keeps r_debug/link_map as DragonFly's rtld does; gdb finds
// the rtld and the library (qXfer:libraries-svr4), with the -L root as its
// sysroot or through vFile (the default `target:` sysroot), and their symbols resolve.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { image, ROOT, VKEMU } from './helpers.js';
import { gdb, killAll, startGuest } from './gdb-stub.js';

afterEach(killAll);

const PROG = image('c', 'dynlib');
const ROOT_DIR = path.join(path.dirname(image('c', 'hello')), '..', 'ldso-root');

function check(out: string): void {
  expect(out).toMatch(/Breakpoint 1, toy_inner \(x=x@entry=0\) at ldso\/libtoy\.c:\d+/);
  expect(out).toMatch(/#1 +0x[0-9a-f]+ in toy_work \(n=n@entry=15\) at ldso\/libtoy\.c:\d+\n#2 +0x[0-9a-f]+ in dyn_main/);
  expect(out).toMatch(/0x[0-9a-f]+ +0x[0-9a-f]+ +Yes \(\*\) +\S*\/libexec\/ld-elf\.so\.2\n/);
  expect(out).toMatch(/0x[0-9a-f]+ +0x[0-9a-f]+ +Yes +\S*\/lib\/libtoy\.so\.1\n/);
  // Only gdb's note that vFile is slower than a local sysroot.
  expect(out.split('\n').filter((l) => /warning/.test(l) && !/File transfers from remote targets/.test(l))).toEqual([]);
  expect(out).toMatch(/exited normally/);
}

const CMDS = ['set breakpoint pending on', 'break toy_inner', 'continue', 'bt', 'info sharedlibrary', 'delete', 'continue'];

describe('gdb stub: shared libraries', () => {
  it('vkemu gdb -L ROOT: the rtld and the library from the root, locally', async () => {
    const r = spawnSync(VKEMU, ['gdb', '--batch', ...CMDS.flatMap((c) => ['-ex', c]), '-L', ROOT_DIR, PROG],
      { encoding: 'utf8', timeout: 40_000, cwd: ROOT });
    const out = r.stdout + r.stderr;
    check(out);
    expect(out).toMatch(new RegExp(`Yes +${ROOT_DIR.replace(/[.]/g, '\\.')}/lib/libtoy\\.so\\.1`));
    // The guest's output shares gdb's terminal: its lines, wherever they fall.
    expect(out).toContain('ld-elf: starting the program\n');
    expect(out).toContain('dynlib: toy_work 15 = 330\n');
    expect(r.status).toBe(0);
  });

  it('plain gdb, default sysroot: the same files through vFile', async () => {
    const g = await startGuest(['-L', ROOT_DIR, PROG]);
    const r = await gdb(g.port, PROG, CMDS);
    check(r.out);
    expect(r.out).toMatch(/Yes +target:\/lib\/libtoy\.so\.1/);
    expect(await g.exit).toBe(0);
    expect(g.out()).toBe('ld-elf: starting the program\ndynlib: toy_work 15 = 330\n');
  });
});
