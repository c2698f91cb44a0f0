// Command line of the image tools: `vkemu mkimg ...` and `vkemu img ...` (src/cli.ts hands them over).
import { parseArgs } from 'node:util';
import { describeSystemError, EX_FAIL, EX_USAGE, ToolError, usageError } from './errors.js';
import { imgExtract, imgLs } from './img.js';
import { mkimgBlank, mkimgDisk, mkimgIso } from './mkimg.js';
import { parseSize } from './size.js';

export const TOOLS_USAGE = `usage: vkemu mkimg root|data IMAGE --from DIR [--size SIZE]
       vkemu mkimg blank IMAGE --size SIZE
       vkemu mkimg iso IMAGE --from DIR
       vkemu img ls IMAGE [PATH]
       vkemu img extract IMAGE PATH [DEST]

mkimg root|data  a vkd disk: DragonFly disklabel64, partition a (vkd0s0a) = UFS1 holding DIR
mkimg blank      a sparse all-zero vkd disk (no label; label and newfs it in the guest)
mkimg iso        a vcd CD image: ISO 9660 + Rock Ridge (xorriso)
img ls           list a directory (or one file) of a vkd or ISO image, ls -l style
img extract      copy a file or directory tree out of an image (DEST defaults to its
                 name; DEST - writes a file to standard output)

SIZE: bytes, or a number with k, m, g or t (powers of 1024). Layout: docs/IMAGES.md.
`;

interface Parsed { positional: string[]; from?: string; size?: string; help: boolean }

function parse(argv: string[]): Parsed {
  try {
    const { positionals, values } = parseArgs({
      args: argv, strict: true, allowPositionals: true,
      options: { from: { type: 'string', short: 'f' }, size: { type: 'string', short: 's' }, help: { type: 'boolean', short: 'h' } },
    });
    return { positional: positionals, from: values.from, size: values.size, help: values.help ?? false };
  } catch (e) {
    throw usageError(parseArgsMessage(e));
  }
}

/** parseArgs' own errors, in the words of the rest of vkemu ("unknown option '--x'"). */
function parseArgsMessage(e: unknown): string {
  const { code, message } = e as NodeJS.ErrnoException;
  const named = /'(-[^',]*)(?:, (--[^' ]+))?/.exec(message);
  const opt = named?.[2] ?? named?.[1] ?? '?';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${opt}'`;
  if (code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw e;
  if (message.includes('does not take')) return `option ${opt} takes no argument`;
  if (message.includes('ambiguous')) return `option ${opt} needs an argument (one starting with '-': ${opt}=-X)`;
  return `option ${opt} needs an argument`;
}

/** `names`: the operands in order; those in brackets are optional. */
function expectArgs(cmd: string, p: Parsed, names: string[], allowed: Array<'from' | 'size'>): void {
  const min = names.filter((n) => !n.startsWith('[')).length;
  if (p.positional.length < min) throw usageError(`${cmd}: ${names[p.positional.length]} is missing`);
  if (p.positional.length > names.length) throw usageError(`${cmd}: unexpected argument '${p.positional[names.length]}'`);
  if (p.from !== undefined && !allowed.includes('from')) throw usageError(`${cmd}: option --from does not apply`);
  if (p.size !== undefined && !allowed.includes('size')) throw usageError(`${cmd}: option --size does not apply`);
}

function dispatch(argv: string[]): number {
  const [tool, sub, ...rest] = argv;
  const p = parse(rest);
  const say = (s: string): void => { process.stdout.write(s); };
  const note = (s: string): void => { process.stderr.write(`${s}\n`); };
  if (sub === undefined) {
    process.stderr.write(`vkemu ${tool}: what to do is missing\n${TOOLS_USAGE}`);
    return EX_USAGE;
  }
  if (p.help || sub === 'help' || sub === '-h' || sub === '--help') {
    say(TOOLS_USAGE);
    return 0;
  }
  const cmd = sub;
  if (tool === 'mkimg') {
    switch (sub) {
      case 'root': case 'data': {
        expectArgs(cmd, p, ['IMAGE'], ['from', 'size']);
        if (p.from === undefined) throw usageError(`${cmd}: option --from DIR is required`);
        const size = p.size === undefined ? undefined : parseSize(p.size, '--size');
        say(mkimgDisk(sub, p.positional[0], p.from, size, note).summary + '\n');
        return 0;
      }
      case 'blank': {
        expectArgs(cmd, p, ['IMAGE'], ['size']);
        if (p.size === undefined) throw usageError(`${cmd}: option --size SIZE is required`);
        say(mkimgBlank(p.positional[0], parseSize(p.size, '--size')).summary + '\n');
        return 0;
      }
      case 'iso': {
        expectArgs(cmd, p, ['IMAGE'], ['from']);
        if (p.from === undefined) throw usageError(`${cmd}: option --from DIR is required`);
        say(mkimgIso(p.positional[0], p.from).summary + '\n');
        return 0;
      }
      default: throw usageError(`mkimg: unknown image kind '${sub}' (root, data, blank or iso)`);
    }
  }
  switch (sub) {
    case 'ls':
      expectArgs(cmd, p, ['IMAGE', '[PATH]'], []);
      imgLs(p.positional[0], p.positional[1] ?? '/', say);
      return 0;
    case 'extract': {
      expectArgs(cmd, p, ['IMAGE', 'PATH', '[DEST]'], []);
      const st = imgExtract(p.positional[0], p.positional[1], p.positional[2], note);
      if (st.skipped > 0) note(`img extract: ${st.skipped} entries skipped`);
      return 0;
    }
    default: throw usageError(`img: unknown command '${sub}' (ls or extract)`);
  }
}

/** Runs `vkemu mkimg|img ...`; returns the exit status. Never throws. */
export function toolMain(argv: string[]): number {
  try {
    return dispatch(argv);
  } catch (e) {
    if (e instanceof ToolError) {
      process.stderr.write(`vkemu ${argv[0]}: ${e.message}\n${e.status === EX_USAGE ? `(vkemu ${argv[0]} --help for usage)\n` : ''}`);
      return e.status;
    }
    // A closed pipe (img extract ... - | head): the reader has what it wanted; stop quietly, as after SIGPIPE.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 141;
    const sys = describeSystemError(e);
    if (sys) {
      process.stderr.write(`vkemu ${argv[0]}: ${sys}\n`);
      return EX_FAIL;
    }
    // Buffer range errors come from reading a corrupt image the checks above did not foresee.
    if ((e as NodeJS.ErrnoException).code === 'ERR_OUT_OF_RANGE' || e instanceof RangeError) {
      process.stderr.write(`vkemu ${argv[0]}: ${argv[2] ?? 'image'}: corrupt image (${(e as Error).message})\n`);
      return EX_FAIL;
    }
    process.stderr.write(`vkemu ${argv[0]}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 70;
  }
}
