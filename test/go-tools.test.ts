// A real Go tool built for dragonfly, run under vkemu, against the same tool
// built for linux and run natively: gofmt over directories of the Go tree and
// over a file that needs reformatting must print byte-identical results.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, scratch, vkemu } from './helpers.js';

// images/build-go.sh builds cmd/gofmt for both systems (npm run bench times the same binaries).
const dfly = path.join(ROOT, 'images/build/go/gofmt');
const linux = path.join(ROOT, 'images/build/linux/go/gofmt');
const go = fs.existsSync('/usr/lib/go/bin/go') && spawnSync('go', ['version']).status !== 0 ? '/usr/lib/go/bin/go' : 'go';
const goroot = spawnSync(go, ['env', 'GOROOT'], { encoding: 'utf8' }).stdout.trim();

beforeAll(() => {
  for (const f of [dfly, linux]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run images/build-go.sh (npm run build)`);
});

function both(args: string[]): { vk: ReturnType<typeof vkemu>; native: ReturnType<typeof spawnSync> } {
  const native = spawnSync(linux, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const vk = vkemu([dfly, ...args], { timeoutMs: 120_000 });
  return { vk, native };
}

describe('gofmt built for dragonfly', () => {
  it('lists the same files of the go/ tree as the native build (-l -s)', () => {
    const dir = path.join(goroot, 'src/go');
    const { vk, native } = both(['-l', '-s', dir]);
    expect(String(native.stdout).split('\n').length).toBeGreaterThan(3);
    expect(vk.stderr).toBe(native.stderr);
    expect(vk.stdout).toBe(native.stdout);
    expect(vk.status).toBe(native.status);
  });

  it('prints the same diff and rewrites a messy file the same way', () => {
    const d = scratch();
    const src = 'package  main\nimport "fmt"\nfunc  main( ) {\nfor i:=0;i<3;i++{ fmt.Println( i ) }\n  var x []int = []int{1,2}\n_ = x[0:len(x)]\n}\n';
    for (const w of ['a', 'b']) fs.writeFileSync(path.join(d, `${w}.go`), src);
    const diff = both(['-d', '-s', path.join(d, 'a.go')]);
    // The diff names temporary files; compare the hunks.
    const hunks = (s: string): string => s.split('\n').filter((l) => !l.startsWith('diff ') && !l.startsWith('---') && !l.startsWith('+++')).join('\n');
    expect(hunks(diff.vk.stdout)).toBe(hunks(String(diff.native.stdout)));
    expect(diff.vk.stdout).toContain('+\tfor i := 0; i < 3; i++ {');
    const vkw = vkemu([dfly, '-w', '-s', path.join(d, 'a.go')]);
    const nw = spawnSync(linux, ['-w', '-s', path.join(d, 'b.go')]);
    expect(vkw.status).toBe(0);
    expect(nw.status).toBe(0);
    expect(fs.readFileSync(path.join(d, 'a.go'), 'utf8')).toBe(fs.readFileSync(path.join(d, 'b.go'), 'utf8'));
  });
});
