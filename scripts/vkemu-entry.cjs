// dist/bundle/vkemu.cjs, what bin/vkemu runs (scripts/bundle.mjs copies it there): loads the
// bundle's core chunk like require() would, but with a V8 code cache beside it, so that a start
// compiles nothing it compiled last time (~20 ms of CPU of each start-up here: the 330 kB chunk
// and the functions a run calls; Node 20 has no module.enableCompileCache). The cache is written
// when a start had none or V8 refused it (other V8 flags), and named after the chunk's size and
// time, because V8 itself checks only the source's length; a new bundle is a new directory.
// Any trouble with it and vkemu simply runs without.
'use strict';
const Module = require('node:module');
const vm = require('node:vm');
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, 'core.cjs');
const source = fs.readFileSync(file, 'utf8');
const st = fs.statSync(file);
const cacheFile = `${file}.${st.size}-${Math.trunc(st.mtimeMs)}.v8cache`;
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
if (!cachedData || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A read-only tree: no cache, same behaviour.
    }
  });
}
// The chunk's module, registered as require() would, so that the chunks loaded on demand share it.
const core = new Module(file, module);
core.filename = file;
core.paths = module.paths;
require.cache[file] = core;
script.runInThisContext()(core.exports, Module.createRequire(file), core, file, __dirname);
core.loaded = true;
