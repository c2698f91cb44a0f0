#!/usr/bin/env bash
# `npm start`: install what is missing, build, and boot on this terminal:
# - a DragonFly built from source by `vkemu dragonfly build`, when there is one
#   (in $VKEMU_DRAGONFLY, or ~/.cache/vkemu/dragonfly);
# - otherwise vkmini, our own small virtual kernel, from its root disk (a
#   disklabel64 + UFS1 image made by `vkemu mkimg`), with its memory image and a
#   working copy of the disk under state/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
dfly=${VKEMU_DRAGONFLY:-${XDG_CACHE_HOME:-$HOME/.cache}/vkemu/dragonfly}
if [ -f "$dfly/build.json" ] && [ -f "$dfly/kernel" ] && [ -f "$dfly/world/bin/sh" ]; then
  echo "npm start: booting the DragonFly built in $dfly ('halt' ends it; vkmini instead: VKEMU_DRAGONFLY=none npm start)" >&2
  exec bin/vkemu dragonfly boot --out "$dfly" -- "$@"
fi
echo "npm start: booting vkmini ('halt' ends it). No DragonFly build in $dfly: make one with" >&2
echo "  bin/vkemu dragonfly build --src DRAGONFLY-SOURCE-TREE   (docs/DRAGONFLY.md)" >&2
mkdir -p state
# A fresh copy whenever the built image is newer: the guest may write to its disk.
cp --update images/build/vkmini/root.img state/root.img
exec bin/vkemu images/build/vkmini/kernel -m 64m -n 2 -e vkmini.statedir=state -r state/root.img:VKMINI-ROOT "$@"
