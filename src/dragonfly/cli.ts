// `vkemu dragonfly build|boot|status`: from a DragonFly source tree to a running DragonFly.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { boot } from './boot.js';
import { build, defaultOut, readRecord } from './build.js';
import { BuildError } from './errors.js';

export const DRAGONFLY_USAGE = `usage: vkemu dragonfly build --src DIR [--out DIR] [--kernconf NAME] [-j N] [--only kernel|world]
       vkemu dragonfly boot [--out DIR] [--state DIR] [--fresh] [--net BRIDGE[:ADDRESS/PREFIX]] [-g PORT] [-- KERNEL-OPTIONS]
       vkemu dragonfly status [--out DIR]

build   cross-builds, on this Linux host, a VKERNEL64 (config(8), the kernel with debug
        information and a stripped copy) and a small DragonFly world (rtld, libc and the
        libraries its programs need; init, sh, getty, login, mount, fsck_ffs, newfs,
        ifconfig, ping, nc, ps, md5, ...; /etc) from an unmodified DragonFly source tree,
        with clang, lld, bmake and the tree's own Makefiles. Incremental: a second run
        redoes only what changed. Logs: OUT/logs/.
boot    boots the built kernel: a root disk made from the world (OUT/root.img), a working
        copy of it and the memory image in OUT/state/ (or --state DIR), with -m 256m -n 2 -r
        STATE/root.img;
        --net adds -I auto:BRIDGE (and gives vke0 ADDRESS through /etc/rc); --fresh starts
        from a clean copy of the disk. Options after -- go to the kernel (vkernel(7)).
status  what OUT holds.

OUT defaults to ${defaultOut().replace(os.homedir(), '~')} (VKEMU_DRAGONFLY overrides it).
`;

function outDir(v: string | undefined): string {
  return path.resolve(v ?? process.env.VKEMU_DRAGONFLY ?? defaultOut());
}

function jobs(v: string | undefined): number {
  if (v === undefined) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 256) throw new BuildError(`option -j: '${v}' is not a number from 1 to 256`);
  return n;
}

async function dispatch(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const say = (s: string): void => { process.stdout.write(s); };
  // `dragonfly boot --help` asks for the usage; after `--` the words belong to the kernel.
  const own = rest.indexOf('--') < 0 ? rest : rest.slice(0, rest.indexOf('--'));
  if (sub !== undefined && (own.includes('--help') || own.includes('-h'))) { say(DRAGONFLY_USAGE); return 0; }
  switch (sub) {
    case 'build': {
      const { values } = parseArgs({
        args: rest, strict: true, allowPositionals: false,
        options: {
          src: { type: 'string' }, out: { type: 'string' }, kernconf: { type: 'string' },
          jobs: { type: 'string', short: 'j' }, only: { type: 'string' },
        },
      });
      const prev = readRecord(outDir(values.out));
      const src = values.src ?? prev?.src;
      if (!src) throw new BuildError('build: --src DIR (a DragonFly source tree) is missing');
      if (values.only !== undefined && values.only !== 'kernel' && values.only !== 'world') throw new BuildError(`option --only: '${values.only}' is neither kernel nor world`);
      await build({
        src, out: outDir(values.out), kernconf: values.kernconf ?? prev?.kernconf ?? 'VKERNEL64', jobs: jobs(values.jobs),
        only: values.only as 'kernel' | 'world' | undefined, say,
      });
      return 0;
    }
    case 'boot': {
      const dash = rest.indexOf('--');
      const own = dash < 0 ? rest : rest.slice(0, dash);
      const kernelArgs = dash < 0 ? [] : rest.slice(dash + 1);
      const { values } = parseArgs({
        args: own, strict: true, allowPositionals: false,
        options: { out: { type: 'string' }, state: { type: 'string' }, fresh: { type: 'boolean' }, net: { type: 'string' }, gdb: { type: 'string', short: 'g' } },
      });
      let net: { bridge: string; address?: string } | undefined;
      if (values.net !== undefined) {
        const [bridge, address] = values.net.split(':');
        if (!bridge || (address !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(address))) throw new BuildError(`option --net wants BRIDGE or BRIDGE:ADDRESS/PREFIX, got '${values.net}'`);
        net = { bridge, address };
      }
      let gdbPort: number | undefined;
      if (values.gdb !== undefined) {
        gdbPort = Number(values.gdb);
        if (!/^\d+$/.test(values.gdb) || gdbPort > 65535) throw new BuildError(`option -g: '${values.gdb}' is not a TCP port`);
      }
      return boot({ out: outDir(values.out), state: values.state, fresh: values.fresh ?? false, net, gdbPort, kernelArgs, say: (s) => process.stderr.write(s) });
    }
    case 'status': {
      const { values } = parseArgs({ args: rest, strict: true, options: { out: { type: 'string' } } });
      const out = outDir(values.out);
      const r = readRecord(out);
      if (!r) { say(`${out}: no DragonFly build (vkemu dragonfly build --src DIR --out ${out})\n`); return 1; }
      say(`DragonFly ${r.release} from ${r.src}, ${r.kernconf}, built ${r.finished}\nkernel: ${r.kernel}\ndebug:  ${r.kernelDebug}\nworld:  ${r.world}\n`);
      return 0;
    }
    case undefined: case 'help': case '--help': case '-h':
      say(DRAGONFLY_USAGE);
      return sub === undefined ? 64 : 0;
    default:
      throw new BuildError(`unknown command 'dragonfly ${sub}'`);
  }
}

export async function dragonflyMain(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (e) {
    if (e instanceof BuildError) { process.stderr.write(`vkemu dragonfly: ${e.message}\n`); return 1; }
    // node:util parseArgs reports unknown options and missing values with a code.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`vkemu dragonfly: ${(e as Error).message}\n${DRAGONFLY_USAGE}`);
      return 64;
    }
    throw e;
  }
}
