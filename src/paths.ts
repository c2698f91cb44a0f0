// Where vkemu's own files are, found once from this module's place: src/paths.ts when run from
// source (vitest), dist/src/paths.js when built by tsc, dist/bundle/*.cjs in the bundle that
// bin/vkemu runs (scripts/bundle.mjs): one directory below the root or below dist/. Everything
// that needs a file of the project (the native addon, package.json) takes its path from here.
import path from 'node:path';

const here = import.meta.dirname;
/** The project root: the directory holding package.json. */
export const ROOT = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
/** The Unicorn backend, built by scripts/build.sh (node-gyp). */
export const ADDON = path.join(ROOT, 'native/build/Release/vkemu_native.node');
export const PACKAGE_JSON = path.join(ROOT, 'package.json');
