// A virtual kernel driven through its console on pipes (vkmini, or a real
// DragonFly), for the tests and the device benchmarks: commands typed at its
// prompt, waits that end with a clear message (and the console's contents) on
// a timeout or when vkemu exits.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { ROOT, VKEMU } from './helpers.js';

export const KERNEL = path.join(ROOT, 'images/build/vkmini/kernel');
export const PROMPT = 'vkmini# ';
export const HALTED = 'The operating system has halted.';

const running = new Set<ConsoleGuest>();

/** Kill every running vkmini and wait (at most 5 s) until they are gone. Tests call it after each test. */
export async function killAll(): Promise<void> {
  for (const v of running) v.kill();
  await within(Promise.all([...running].map((v) => v.exit)), 5_000, 'vkemu to die').catch(() => undefined);
  running.clear();
}

/** A running guest on its console: `argv` after bin/vkemu, optionally inside a network namespace. */
export class ConsoleGuest {
  out = '';
  err = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly exit: Promise<number | null>;
  private exited = false;
  private checks = new Set<() => void>();

  constructor(vkemuArgs: string[], readonly prompt: string, netns?: string) {
    const argv = [VKEMU, ...vkemuArgs];
    this.child = netns ? spawn('ip', ['netns', 'exec', netns, ...argv], { cwd: ROOT }) : spawn(argv[0]!, argv.slice(1), { cwd: ROOT });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => { this.out += d; this.changed(); });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => { this.err += d; this.changed(); });
    this.child.stdin.on('error', () => undefined); // vkemu gone: the waits report it
    this.exit = new Promise((resolve) => this.child.on('close', (code) => {
      this.exited = true;
      running.delete(this);
      this.changed();
      resolve(code);
    }));
    running.add(this);
  }

  private changed(): void {
    for (const c of [...this.checks]) c();
  }

  /** Until pred holds; fails after `ms`, or as soon as vkemu exits without it. */
  waitFor(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        done();
        reject(new Error(`${why} waiting for ${what}\n--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`));
      };
      const check = (): void => {
        if (pred()) { done(); resolve(); } else if (this.exited) fail('vkemu exited');
      };
      const done = (): void => { clearTimeout(timer); this.checks.delete(check); };
      const timer = setTimeout(() => fail(`timed out after ${ms / 1000} s`), ms);
      this.checks.add(check);
      check();
    });
  }

  count(s: string): number {
    return this.out.split(s).length - 1;
  }

  send(text: string): void {
    this.child.stdin.write(text);
  }

  booted(ms?: number): Promise<void> {
    return this.waitFor(() => this.out.includes(this.prompt), 'the first prompt', ms);
  }

  /** Type a command line and return what the console shows until the next prompt. */
  async cmd(line: string, ms?: number): Promise<string> {
    const prompts = this.count(this.prompt);
    const start = this.out.length;
    this.send(line + '\n');
    await this.waitFor(() => this.count(this.prompt) > prompts, `the prompt after '${line}'`, ms);
    return this.out.slice(start);
  }

  /** Run a benchmark command and parse the JSON line it printed. */
  async json(line: string, ms?: number): Promise<Record<string, number>> {
    const text = await this.cmd(line, ms);
    const j = text.split('\n').find((l) => l.startsWith('{"bench"'));
    if (!j) throw new Error(`vkmini '${line}' printed no figures: ${text.trim().split('\n').slice(0, 3).join(' | ')}`);
    return JSON.parse(j) as Record<string, number>;
  }

  /** Wait for the halt message, then for the exit status. */
  async halted(ms?: number): Promise<number | null> {
    await this.waitFor(() => this.out.includes(HALTED), 'the halt message', ms);
    // vkemu does not exit while a host read of its stdin is pending: end the pipe.
    this.child.stdin.end();
    return within(this.exit, 10_000, 'vkemu to exit after halt');
  }

  /** Type `halt` and return the exit status. */
  halt(ms?: number): Promise<number | null> {
    this.send('halt\n');
    return this.halted(ms);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** vkmini, our own virtual kernel (kernel options in `args`). */
export class Vkmini extends ConsoleGuest {
  constructor(args: string[], netns?: string) {
    super([KERNEL, ...args], PROMPT, netns);
  }
}

export function within<V>(p: Promise<V>, ms: number, what: string): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
