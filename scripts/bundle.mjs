// Bundles vkemu's TypeScript sources (src/cli.ts and what it imports) into dist/bundle/, the files
// bin/vkemu runs: core.cjs with all a run needs, a chunk per area loaded on demand (gdb stub, image
// tools, the DragonFly builder), a source map beside each, which src/stacks.ts reads when a stack
// is printed, and vkemu.cjs (scripts/vkemu-entry.cjs), which loads core.cjs with a code cache. Why: loading ~100 ES modules one by one took ~0.14 s of every run's start-up; one
// CommonJS file also spares Node its ES module loader (docs/ARCHITECTURE.md, "Start-up").
// Called by scripts/build.sh after tsc (which checks the types; this only strips them). rolldown
// is a devDependency (it also comes with vitest).
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'rolldown';

const LAZY = /[\\/]src[\\/](gdb[\\/]|gdbcli\.ts|tools[\\/]|dragonfly[\\/])/;
const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist/bundle');
const next = out + '.new';
fs.rmSync(next, { recursive: true, force: true });
await build({
  cwd: root,
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  external: [/^node:/],
  logLevel: 'warn',
  output: {
    dir: next,
    format: 'cjs',
    entryFileNames: '[name].cjs',
    // A chunk loaded on demand is named after the module that starts it (dragonfly-cli.cjs).
    chunkFileNames: (c) => `${c.facadeModuleId ? path.relative(path.join(root, 'src'), c.facadeModuleId).replace(/\.ts$/, '').replaceAll('/', '-') : '[name]'}.cjs`,
    sourcemap: true,
    // The map names ../../src/*.ts; the sources themselves are in the tree.
    sourcemapExcludeSources: true,
    // All a run needs in one chunk; the areas loaded on demand (gdb stub, image tools, the
    // DragonFly builder) in chunks of their own.
    codeSplitting: {
      groups: [{ name: 'core', test: (id) => /[\\/]src[\\/]/.test(id) && !LAZY.test(id) }],
    },
  },
});
if (!fs.existsSync(path.join(next, 'core.cjs'))) throw new Error(`bundle: no core chunk in ${next}`);
fs.copyFileSync(path.join(root, 'scripts/vkemu-entry.cjs'), path.join(next, 'vkemu.cjs'));
// Built beside and moved in at the end: a failed build leaves the previous bundle whole.
fs.rmSync(out, { recursive: true, force: true });
fs.renameSync(next, out);
