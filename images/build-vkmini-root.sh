#!/usr/bin/env bash
# Builds images/build/vkmini/root.img, the root disk vkmini boots from with
# -r: a disklabel64 + UFS1 image made by `vkemu mkimg root` (docs/IMAGES.md)
# from a staging tree with sbin/init and bin/<every other user program>.
# Needs the TypeScript built (dist/) and the programs (build-c.sh). Rebuilt
# only when a program or mkimg is newer than the image.
set -euo pipefail
cd "$(dirname "$0")"

OUT=build/vkmini
IMG=$OUT/root.img
STAGE=$OUT/root
CLI=../dist/src/cli.js
[ -f "$CLI" ] || { echo "build-vkmini-root.sh: $CLI missing (run tsc first); no $IMG" >&2; exit 0; }

progs=()
for src in vkmini/user/*.c; do
  name=$(basename "$src" .c)
  [ "$name" = ulib ] || progs+=("$OUT/$name")
done
stale=0
[ -f "$IMG" ] || stale=1
for p in "${progs[@]}" "$0"; do
  [ "$p" -nt "$IMG" ] && stale=1
done
# mkimg itself (dist/src/tools): tsc is incremental, so these change only with their sources.
[ -f "$IMG" ] && [ -n "$(find ../dist/src/tools -name '*.js' -newer "$IMG" -print -quit)" ] && stale=1
[ "$stale" = 1 ] || exit 0

echo "MKIMG $IMG"
rm -rf "$STAGE"
mkdir -p "$STAGE/sbin" "$STAGE/bin" "$STAGE/etc"
for p in "${progs[@]}"; do
  case $(basename "$p") in
    init) cp "$p" "$STAGE/sbin/init" ;;
    *) cp "$p" "$STAGE/bin/" ;;
  esac
done
printf 'vkmini root file system, made by vkemu mkimg\n' > "$STAGE/etc/motd"
node "$CLI" mkimg root "$IMG.tmp" --from "$STAGE" >/dev/null
mv "$IMG.tmp" "$IMG"
