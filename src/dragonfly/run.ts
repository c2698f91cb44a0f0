// Runs one build command with its output in a log file, and says in one line
// what failed: the make target and the first compiler or linker error.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BuildError } from './errors.js';

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Appended to; the failure line points here. */
  log: string;
  /** What the command makes, for the failure line (e.g. "lib/libc"). */
  what: string;
}

/** The lines of a make log that say why it stopped, most telling first. */
export function failureSummary(text: string): string {
  const lines = text.split('\n');
  const first = (re: RegExp): string | undefined => lines.find((l) => re.test(l))?.trim();
  const stop = lines.findIndex((l) => /^\*\*\* \[/.test(l));
  // Without a compiler-style error, the line just before make's first "*** [target]" says why.
  const err = first(/(\berror:|undefined reference|undefined symbol|cannot open|No such file or directory|not found|Permission denied)/)
    ?? (stop > 0 ? lines[stop - 1].trim() : undefined);
  const target = stop >= 0 ? lines[stop].match(/^\*\*\* \[([^\]]+)\]/)?.[1] : undefined;
  const parts: string[] = [];
  if (target) parts.push(`target ${target}`);
  if (err) parts.push(err.length > 240 ? `${err.slice(0, 240)}…` : err);
  return parts.join(': ') || (lines.filter((l) => l.trim()).pop() ?? 'no output').trim();
}

export function run(cmd: string, args: string[], o: RunOptions): Promise<void> {
  fs.mkdirSync(path.dirname(o.log), { recursive: true });
  const fd = fs.openSync(o.log, 'a');
  fs.writeSync(fd, `\n$ cd ${o.cwd} && ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', fd, fd] });
    child.on('error', (e) => { fs.closeSync(fd); reject(new BuildError(`${o.what}: cannot run ${cmd}: ${e.message}`)); });
    child.on('close', (code, signal) => {
      fs.closeSync(fd);
      if (code === 0) { resolve(); return; }
      const text = fs.readFileSync(o.log, 'utf8');
      const why = signal ? `killed by ${signal}` : failureSummary(text.slice(-200_000));
      reject(new BuildError(`${o.what} failed: ${why} (log: ${o.log})`));
    });
  });
}
