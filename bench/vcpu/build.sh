#!/usr/bin/env bash
# Builds bench/vcpu's experiments into bench/vcpu/build/: `vcpu` (C++, over the
# system's Unicorn 2.1, which the addon links too) and `Release/handoff.node`
# (an N-API addon: a native thread's round trip to the JavaScript thread).
# Run by bench/vcpu.ts; each is rebuilt only when its source is newer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/build/Release/handoff.node" ] || [ "$here/handoff.cc" -nt "$here/build/Release/handoff.node" ]; then
  # node-gyp rebuild empties build/, so it goes first.
  if ! (cd "$here" && npx --no-install node-gyp rebuild >"$here/.handoff-build.log" 2>&1); then
    tail -20 "$here/.handoff-build.log" >&2
    exit 1
  fi
  rm -f "$here/.handoff-build.log" "$here/build/vcpu"
fi
if [ ! -x "$here/build/vcpu" ] || [ "$here/vcpu.cc" -nt "$here/build/vcpu" ]; then
  g++ -std=c++17 -O2 -Wall -pthread -o "$here/build/vcpu" "$here/vcpu.cc" $(pkg-config --cflags --libs unicorn)
fi
