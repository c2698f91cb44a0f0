// `vkemu gdb`: gdb already attached to a guest. It starts vkemu with the GDB
// stub on a free port (or attaches to a running one), and starts gdb with the
// program's symbols (PROGRAM.debug when there is one, as a kernel build leaves
// kernel.debug beside kernel), the -L root as sysroot and vkemu's DragonFly
// extension (src/gdb/python/dfly.py) loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError } from './cli.js';
import { realDir, resolveInRoot } from './vm/rootpath.js';
import { ROOT } from './paths.js';

export const GDB_USAGE = `usage: vkemu gdb [GDB-OPTIONS] [VKEMU-OPTIONS] PROGRAM [ARGS...]
       vkemu gdb --attach [HOST:]PORT [GDB-OPTIONS] [-L DIR] [PROGRAM]

Starts vkemu with its GDB stub and gdb attached to it, with PROGRAM's symbols
(PROGRAM.debug if it exists), the -L root as sysroot and vkemu's DragonFly
kernel commands (dfly-ps, dfly-dmesg, ...; 'help dfly' in gdb) loaded.

GDB options:
  --attach [HOST:]PORT   attach to a vkemu already started with -g/--gdb instead
  --tty DEV              the guest's console on terminal DEV (e.g. another window's
                         /dev/pts/N); by default its output shares gdb's terminal and
                         it reads no input
  -ex CMD                a gdb command to run once attached (repeatable)
  -x FILE                a gdb command file to run once attached (repeatable)
  --batch                run the -ex/-x commands and exit (gdb -batch)
  --gdb PATH             the gdb to run (default: gdb)
VKEMU options: as for 'vkemu' (-L, -E, -U, --strace, ...).
`;

/** The DragonFly extension, shipped as source beside the stub (src/gdb/python). */
export const EXTENSION = path.join(ROOT, 'src/gdb/python/dfly.py');

interface GdbCliOptions {
  attach?: string;
  tty?: string;
  cmds: string[];
  batch: boolean;
  gdb: string;
  vkemuArgs: string[];
}

function parse(argv: string[]): GdbCliOptions {
  const o: GdbCliOptions = { cmds: [], batch: false, gdb: 'gdb', vkemuArgs: [] };
  let i = 0;
  const need = (opt: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`option ${opt} needs an argument`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--attach') o.attach = need(a);
    else if (a === '--tty') o.tty = need(a);
    else if (a === '-ex') o.cmds.push(need(a));
    else if (a === '-x') o.cmds.push(`source ${need(a)}`);
    else if (a === '--batch' || a === '-batch') o.batch = true;
    else if (a === '--gdb') o.gdb = need(a);
    else break;
  }
  o.vkemuArgs = argv.slice(i);
  return o;
}

/** Symbols for a program: PROGRAM.debug beside it when there is one. */
export function symbolFile(program: string): string {
  const dbg = program + '.debug';
  return fs.existsSync(dbg) ? dbg : program;
}

/** The program's host path, found as vkemu finds it (under -L first for absolute paths). */
function hostProgram(program: string, root: string | undefined): string {
  if (root && program.startsWith('/')) return resolveInRoot({ dir: realDir(root), fallback: true }, program, undefined, true);
  return path.resolve(program);
}

/** vkemu with `-g 0`: resolves to its port once it listens (it waits for gdb). */
function startVkemu(args: string[], tty: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  const vkemu = path.join(ROOT, 'bin/vkemu');
  let stdio: ('pipe' | 'inherit' | number)[] = ['pipe', 'inherit', 'pipe'];
  if (tty) {
    const fd = fs.openSync(tty, 'r+');
    stdio = [fd, fd, 'pipe'];
  }
  // Its own process group: the terminal's ^C is gdb's (an interrupt of the guest), not the guest's.
  const child = spawn(vkemu, ['-g', '0', ...args], { stdio, detached: true });
  return new Promise((resolve, reject) => {
    let err = '';
    const onData = (d: Buffer): void => {
      err += d.toString('utf8');
      const m = /waiting for gdb on [^\s]*:(\d+)/.exec(err);
      if (m) {
        child.stderr!.off('data', onData);
        // From now on vkemu's messages go to the user's terminal.
        process.stderr.write(err.replace(/^vkemu: waiting for gdb on .*\n/m, ''));
        child.stderr!.on('data', (x: Buffer) => process.stderr.write(x));
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`vkemu ended (status ${code}) before listening:\n${err}`)));
  });
}

export async function gdbMain(argv: string[]): Promise<number> {
  let o: GdbCliOptions;
  let root: string | undefined, program: string | undefined;
  try {
    o = parse(argv);
    if (o.attach) {
      // Only -L and a program may follow: they tell gdb where the files are.
      const rest = [...o.vkemuArgs];
      if (rest[0] === '-L') { root = path.resolve(rest[1] ?? '.'); rest.splice(0, 2); }
      if (rest.length > 1) throw new UsageError('with --attach, only -L DIR and a PROGRAM may follow');
      program = rest[0];
    } else {
      const v = parseArgs(o.vkemuArgs);
      if (v === 'help') {
        process.stdout.write(GDB_USAGE);
        return 0;
      }
      root = v.root;
      program = v.program;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`vkemu gdb: ${e.message}\n${GDB_USAGE}`);
      return 64;
    }
    throw e;
  }
  let child: ChildProcess | undefined;
  let where: string;
  if (o.attach) {
    where = /^\d+$/.test(o.attach) ? `127.0.0.1:${o.attach}` : o.attach;
  } else {
    try {
      const v = await startVkemu(o.vkemuArgs, o.tty);
      child = v.child;
      where = `127.0.0.1:${v.port}`;
    } catch (e) {
      process.stderr.write(`vkemu gdb: ${(e as Error).message}\n`);
      return 70;
    }
  }
  const symbols = program ? symbolFile(hostProgram(program, root)) : undefined;
  // One line on what was set up, so that a user can do the same by hand.
  process.stderr.write(`vkemu gdb: ${child ? `vkemu (pid ${child.pid}) listens on ${where}` : `attaching to ${where}`}` +
    `${symbols ? `; symbols from ${symbols}` : ''}${root ? `; sysroot ${root}` : ''}` +
    `${fs.existsSync(EXTENSION) ? "; DragonFly commands loaded ('dfly' lists them)" : ''}\n`);
  const gdbArgs = ['-q', ...(o.batch ? ['-batch'] : []), '-iex', 'set pagination off'];
  // The -L root is where the guest's rtld and libraries are: gdb reads them there, locally.
  if (root) gdbArgs.push('-iex', `set sysroot ${root}`);
  if (fs.existsSync(EXTENSION)) gdbArgs.push('-iex', `source ${EXTENSION}`);
  if (symbols) gdbArgs.push(symbols);
  gdbArgs.push('-ex', `target remote ${where}`);
  for (const c of o.cmds) gdbArgs.push('-ex', c);
  // ^C belongs to gdb (it interrupts the guest through the stub); this process just waits.
  process.on('SIGINT', () => undefined);
  const g = spawn(o.gdb, gdbArgs, { stdio: 'inherit' });
  const gdbStatus = await new Promise<number>((resolve) => {
    g.on('error', (e) => {
      process.stderr.write(`vkemu gdb: cannot run ${o.gdb}: ${e.message}\n`);
      resolve(127);
    });
    g.on('close', (code) => resolve(code ?? 1));
  });
  if (!child) return gdbStatus;
  // gdb is gone: the stub let the guest go, and it runs on to its end; ^C ends it.
  const closed = new Promise<number>((resolve) => child!.on('close', (code) => resolve(code ?? 128 + 9)));
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? 128 + 9;
  // A guest that gdb saw end is still closing its stub: a moment, before saying it runs on.
  const ended = await Promise.race([closed, new Promise<undefined>((r) => setTimeout(r, 1500, undefined))]);
  if (ended !== undefined) return ended;
  process.stderr.write(`vkemu gdb: gdb has quit; the guest runs on (vkemu pid ${child.pid}); ^C ends it\n`);
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', () => { if (child?.pid) process.kill(-child.pid, 'SIGKILL'); });
  return closed;
}
