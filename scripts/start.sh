#!/usr/bin/env bash
# `npm start`: install what is missing, build, and boot vkmini on this terminal
# from its root disk (a disklabel64 + UFS1 image made by `vkemu mkimg`), with
# its memory image and a working copy of the disk under state/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
mkdir -p state
# A fresh copy whenever the built image is newer: the guest may write to its disk.
cp --update images/build/vkmini/root.img state/root.img
exec bin/vkemu images/build/vkmini/kernel -m 64m -n 2 -e vkmini.statedir=state -r state/root.img:VKMINI-ROOT "$@"
