#!/usr/bin/env bash
# Builds the native addon (when its sources changed), the TypeScript, and the guest images.
set -euo pipefail
cd "$(dirname "$0")/.."
addon=native/build/Release/vkemu_native.node
if [ ! -f "$addon" ] || [ -n "$(find native/src native/binding.gyp -newer "$addon" 2>/dev/null)" ]; then
  gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  [ -f "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  (cd native && node "$gyp" rebuild --nodedir="$(dirname "$(dirname "$(command -v node)")")" >/dev/null)
fi
npx tsc -p .
bash images/build.sh
