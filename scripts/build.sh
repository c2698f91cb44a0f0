#!/usr/bin/env bash
# Builds the native addon, the TypeScript and the guest images, each only when its inputs
# changed: an already-built tree passes through here in a fraction of a second, so that
# `npm start` reaches its prompt quickly (a full tsc alone takes about 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."

# changed STAMP PATH...: true when STAMP is missing or a file under a PATH is newer.
changed() {
  local stamp=$1; shift
  [ -e "$stamp" ] || return 0
  [ -n "$(find "$@" -newer "$stamp" -print -quit 2>/dev/null)" ]
}

addon=native/build/Release/vkemu_native.node
if changed "$addon" native/src native/binding.gyp; then
  # node-gyp is a devDependency; --nodedir: the headers of the node that runs vkemu, not a download.
  (cd native && ../node_modules/.bin/node-gyp rebuild --loglevel=warn --nodedir="$(dirname "$(dirname "$(command -v node)")")" >/dev/null)
fi

# tsc is incremental (tsconfig.json: the record is dist/tsconfig.tsbuildinfo), and not even
# started when no source is newer than a stamp this script touches after each build (tsc leaves
# its record alone when the sources' contents did not change, and a touched source would otherwise
# start tsc every time). Not the record itself: `tsc --noEmit` writes it too, and a source edited
# before such a check then never reached dist/.
info=dist/tsconfig.tsbuildinfo
stamp=dist/.tsc-built
[ -f dist/src/cli.js ] || rm -f "$info" "$stamp"   # a partly deleted dist/: tsc would not re-emit it
if changed "$stamp" src test bench tsconfig.json package-lock.json; then
  node_modules/.bin/tsc -p .
  touch "$stamp"
fi
# What bin/vkemu runs: src/ bundled into dist/bundle (scripts/bundle.mjs, ~0.3 s), after tsc has
# checked the types.
if changed dist/bundle/vkemu.cjs src scripts/bundle.mjs scripts/vkemu-entry.cjs package-lock.json; then
  node scripts/bundle.mjs
fi
bash images/build.sh
