// bin/vkemu: run a DragonFly x86-64 program on Linux, qemu-user style.
import fs from 'node:fs';
import path from 'node:path';
import { unicornEngine } from './cpu/unicorn.js';
import { Machine } from './vm/machine.js';
import { ExecError } from './vm/exec.js';
import type { GdbServer } from './gdb/server.js';
import { preBootCheck } from './devices/vkopts.js';
import { routeHostSignals } from './hostsignals.js';
import { PACKAGE_JSON } from './paths.js';
import { mapStacks } from './stacks.js';

const USAGE = `usage: vkemu [OPTIONS] PROGRAM [ARGS...]
       vkemu mkimg root|data|blank|iso IMAGE ...   make a vkd disk or vcd ISO image
       vkemu img ls|extract IMAGE ...              list or extract files of an image
       vkemu dragonfly build|boot|status ...      build DragonFly from source and boot it
       vkemu gdb [OPTIONS] PROGRAM [ARGS...]       gdb attached to PROGRAM under vkemu ('vkemu gdb --help')

Runs a DragonFly BSD x86-64 program (static or dynamic) on this Linux host.

Options:
  -L DIR             guest root: absolute guest paths resolve under DIR first
  -E VAR=VALUE       set a variable in the guest environment (repeatable)
  -U VAR             remove a variable from the guest environment (repeatable)
  --strace           trace system calls, one line each, ktrace/strace style
  --deterministic    fixed time slices and a virtual clock, so runs repeat exactly
  --max-procs N      live guest processes at most; fork then fails with EAGAIN (default 1000;
                     about 230 concurrent address spaces fit in the host's address space anyway)
  --max-files N      RLIMIT_NOFILE of the first process, soft and hard (default 4096)
  -g PORT            GDB stub on 127.0.0.1:PORT; the guest waits for gdb before its first instruction
  --gdb HOST:PORT    the same on another address (gdb: target remote HOST:PORT)
  --version          vkemu's version and the Unicorn version it runs on
  --help             this text

The exit status is the guest's; a guest killed by a signal exits 128+signo.
SIGTERM and SIGHUP go to the guest; a second SIGTERM, or a hang-up the guest outlives
by 2 s, ends vkemu itself (128+signo) after flushing the guest's disk images.

Environment:
  VKEMU_DRAGONFLY=DIR  the DragonFly build \`vkemu dragonfly\` and \`npm start\` use
                       (default ~/.cache/vkemu/dragonfly; "none": npm start boots vkmini)
  VKEMU_SLICE=N        end time slices after N instructions (exact, about 40x slower; 0: the
                       5 ms watchdog slices; --deterministic uses 200000)
  VKEMU_FALLBACK_POLL_MS=N  how often waits on files that cannot announce readiness look
                       again (default 50; none of vkemu's own files need it)
  VKEMU_GDB_TRACE=1    every GDB remote packet, both ways, on stderr
  VKEMU_DEBUG_RUN=1    one line per engine run on stderr (start, stop, reason, calls served in the engine)
  VKEMU_DEBUG_STOP=1   a line for each engine stop that raced with a watchdog stop
  VKEMU_DEBUG_SEG=1    the CPL 3 entry of each new engine on stderr
`;

export interface CliOptions {
  root?: string;
  strace: boolean;
  deterministic: boolean;
  maxProcs?: number;
  maxFiles?: number;
  /** -g / --gdb: where the GDB stub listens. */
  gdb?: { host: string; port: number };
  env: Map<string, string | undefined>;
  program: string;
  args: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CliOptions | 'help' {
  const o: CliOptions = { strace: false, deterministic: false, env: new Map(), program: '', args: [] };
  let i = 0;
  const need = (opt: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`option ${opt} needs an argument`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--') { i++; break; }
    switch (a) {
      case '-h': case '--help': return 'help';
      case '-L': o.root = path.resolve(need(a)); break;
      case '--strace': case '-strace': o.strace = true; break;
      case '--deterministic': o.deterministic = true; break;
      case '--max-procs': o.maxProcs = count(a, need(a), 1, 100_000); break;
      case '--max-files': o.maxFiles = count(a, need(a), 8, 1_000_000); break;
      case '-g': o.gdb = { host: '127.0.0.1', port: gdbPort(a, need(a)) }; break;
      case '--gdb': {
        const v = need(a);
        const colon = v.lastIndexOf(':');
        if (colon <= 0) throw new UsageError(`option --gdb wants HOST:PORT, got '${v}'`);
        o.gdb = { host: v.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: gdbPort(a, v.slice(colon + 1)) };
        break;
      }
      case '-E': {
        const kv = need(a);
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new UsageError(`option -E wants VAR=VALUE, got '${kv}'`);
        o.env.set(kv.slice(0, eq), kv.slice(eq + 1));
        break;
      }
      case '-U': o.env.set(need(a), undefined); break;
      default: throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (i >= argv.length) throw new UsageError('no program given');
  o.program = argv[i];
  o.args = argv.slice(i + 1);
  if (o.root && !fs.existsSync(o.root)) throw new UsageError(`option -L: ${o.root}: no such directory`);
  return o;
}

function count(opt: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`option ${opt}: '${v}' is not a number from ${min} to ${max}`);
  return n;
}

function gdbPort(opt: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new UsageError(`option ${opt}: '${v}' is not a TCP port`);
  return n;
}

/** Set by bin/vkemu when it was started with SIGHUP ignored (nohup); not passed to the guest. */
const HUP_IGNORED = '_VKEMU_SIGHUP_IGNORED';
const hangupIgnored = process.env[HUP_IGNORED] === '1';

export async function main(argv: string[]): Promise<number> {
  // Image tools (src/tools): no guest involved.
  if (argv[0] === 'mkimg' || argv[0] === 'img') return (await import('./tools/cli.js')).toolMain(argv);
  // Building and booting DragonFly from source (src/dragonfly).
  if (argv[0] === 'dragonfly') return (await import('./dragonfly/cli.js')).dragonflyMain(argv.slice(1));
  // gdb already attached to a guest (src/gdbcli.ts).
  if (argv[0] === 'gdb') return (await import('./gdbcli.js')).gdbMain(argv.slice(1));
  // Only on its own, like the subcommands (parseArgs is shared with `vkemu gdb`).
  if (argv[0] === '--version') {
    const pkg = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };
    process.stdout.write(`vkemu ${pkg.version} (Unicorn ${unicornEngine().version})\n`);
    return 0;
  }
  let o: CliOptions | 'help';
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`vkemu: ${e.message}\n${USAGE}`);
      return 64;
    }
    throw e;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  // A virtual kernel's -r/-c/-I options are checked against the host before boot.
  const vkErr = preBootCheck(o.program, o.args, o.root);
  if (vkErr) {
    process.stderr.write(`vkemu: ${vkErr}\n`);
    return 64;
  }
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== HUP_IGNORED) env.set(k, v);
  for (const [k, v] of o.env) if (v === undefined) env.delete(k); else env.set(k, v);
  // The stub and its net/streams modules load only with -g (a tenth of the bundle; start-up is every run's).
  const gdbStub = o.gdb ? await import('./gdb/server.js') : undefined;
  const dbg = gdbStub?.debugEngine(unicornEngine());
  const machine = new Machine(dbg?.engine ?? unicornEngine(), {
    root: o.root, strace: o.strace, deterministic: o.deterministic, maxProcs: o.maxProcs, maxFiles: o.maxFiles,
  });
  try {
    machine.spawn(o.program, [o.program, ...o.args], [...env].map(([k, v]) => `${k}=${v}`));
  } catch (e) {
    if (e instanceof ExecError) {
      process.stderr.write(`vkemu: ${e.message}\n`);
      return e.errno === 2 ? 127 : 126;
    }
    throw e;
  }
  routeHostSignals(machine, hangupIgnored);
  let gdb: GdbServer | undefined;
  if (o.gdb && gdbStub && dbg) {
    try {
      gdb = await gdbStub.startGdb(machine, dbg.spaces, dbg.bind, o.gdb.host, o.gdb.port);
    } catch (e) {
      process.stderr.write(`vkemu: ${(e as Error).message}\n`);
      return 71;
    }
  }
  const status = await machine.run();
  await gdb?.finish();
  return status;
}

mapStacks();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Pending host reads (a terminal) would keep Node alive.
  setImmediate(() => process.exit(code));
}, (err: unknown) => {
  process.stderr.write(`vkemu: internal error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(70);
});
