// A vkmini booted under bin/vkemu for a benchmark, driven through its console
// on pipes: type a command line, wait for the next `vkmini# ` prompt, read the
// JSON line the command printed. Optionally inside a network namespace.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { atExit } from './cleanup.js';

const PROMPT = 'vkmini# ';

export class VkConsole {
  out = '';
  err = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exit: Promise<number | null>;
  private exited = false;
  private checks = new Set<() => void>();

  constructor(root: string, args: string[], netns?: string) {
    const argv = [path.join(root, 'bin/vkemu'), path.join(root, 'images/build/vkmini/kernel'), ...args];
    this.child = netns ? spawn('ip', ['netns', 'exec', netns, ...argv], { cwd: root }) : spawn(argv[0]!, argv.slice(1), { cwd: root });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => { this.out += d; this.changed(); });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => { this.err += d; this.changed(); });
    this.child.stdin.on('error', () => undefined);	// vkemu gone: the wait below reports it
    const forget = atExit(() => this.kill());
    this.exit = new Promise((resolve) => this.child.on('close', (code) => { this.exited = true; forget(); this.changed(); resolve(code); }));
  }

  private changed(): void {
    for (const c of [...this.checks]) c();
  }

  private waitFor(pred: () => boolean, what: string, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred()) { done(); resolve(); return; }
        if (this.exited) { done(); reject(new Error(`vkemu exited while waiting for ${what}: ${this.tail()}`)); }
      };
      const done = (): void => { clearTimeout(timer); this.checks.delete(check); };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}: ${this.tail()}`)); }, ms);
      this.checks.add(check);
      check();
    });
  }

  /** The last lines vkemu printed, for error messages. */
  tail(): string {
    return (this.out + this.err).trim().split('\n').slice(-4).join(' | ');
  }

  booted(ms = 30_000): Promise<void> {
    return this.waitFor(() => this.out.includes(PROMPT), 'the first vkmini prompt', ms);
  }

  /** Type a command line; what the console showed until the next prompt. */
  async cmd(line: string, ms = 120_000): Promise<string> {
    const prompts = this.out.split(PROMPT).length;
    const start = this.out.length;
    this.child.stdin.write(line + '\n');
    await this.waitFor(() => this.out.split(PROMPT).length > prompts, `the prompt after '${line}'`, ms);
    return this.out.slice(start);
  }

  /** Run a benchmark command and parse the JSON line it printed. */
  async json(line: string, ms?: number): Promise<Record<string, number>> {
    const text = await this.cmd(line, ms);
    const j = text.split('\n').find((l) => l.startsWith('{"bench"'));
    if (!j) throw new Error(`vkmini '${line}' printed no figures: ${text.trim().split('\n').slice(0, 3).join(' | ')}`);
    return JSON.parse(j) as Record<string, number>;
  }

  /** halt, then wait for vkemu to exit; killed if it does not within 10 s. */
  async halt(): Promise<void> {
    if (this.exited) return;
    try {
      this.child.stdin.end('halt\n');
      await Promise.race([this.exit, new Promise((r) => setTimeout(r, 10_000))]);
    } finally {
      this.kill();
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  get done(): Promise<number | null> {
    return this.exit;
  }
}
