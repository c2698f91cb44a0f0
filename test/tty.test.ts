// The console on a real terminal: a pty from script(1). Termios both ways,
// window size, the foreground process group, and a virtual kernel that puts
// the terminal in raw mode and gives it back as it found it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { image, ROOT, scratch } from './helpers.js';

/** Run a shell command line on a fresh pty; input is typed once the output shows `after` (at once without it). */
function onPty(cmd: string, input = '', after?: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = false;
    const type = (): void => {
      if (typed) return;
      typed = true;
      child.stdin.write(input);
      child.stdin.end();
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (after !== undefined && out.includes(after)) type();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    if (after === undefined) type();
    child.on('exit', () => { clearTimeout(timer); resolve(out.replace(/\r/g, '')); });
  });
}

describe('console on a terminal', () => {
  it('termios, window size and the foreground group through the pty', async () => {
    const out = await onPty(`bin/vkemu ${image('c', 'ttyio')}`);
    expect(out).not.toContain('not ok');
    expect(out).toMatch(/21 passed, 0 failed/);
  });

  it('vkmini takes the terminal in raw mode and gives it back unchanged', async () => {
    const mem = path.join(scratch(), 'memimg');
    const out = await onPty(`stty -g; bin/vkemu images/build/vkmini/kernel -m 64m -i ${mem}; echo status=$?; stty -g`,
      'uname\nhalt\n', 'vkmini# ');
    const modes = out.split('\n').filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
    expect(modes.length, out).toBe(2);
    expect(modes[1]).toBe(modes[0]);
    expect(out).toContain('vkmini 1.0 x86_64');
    expect(out).toContain('status=0');
  });
});
