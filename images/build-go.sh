#!/usr/bin/env bash
# Builds the Go guest programs in images/go/ (one module, vkemu.test/guests):
#   every images/go/<name>/main.go  -> images/build/go/<name>        (GOOS=dragonfly)
#   the bench_* ones additionally   -> images/build/linux/go/<name>  (GOOS=linux, for baselines)
#   Go's own tools in TOOLS (cmd/gofmt) -> both places: a real Go program for tests and `npm run bench`
# Static (CGO_ENABLED=0), with debug info kept (no -s -w) so gdb can read the binaries.
# Never touches the network (GOPROXY=off, GOTOOLCHAIN=local). Idempotent: `go build` is
# incremental through the build cache, and a binary is only replaced when it changed.
# -trimpath keeps host paths out of the binaries (stable output); DWARF is still there.
#
# Usage: images/build-go.sh [NAME...]   (default: all programs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/go"
out_df="$here/build/go"
out_linux="$here/build/linux/go"

GO="${GO:-}"
if [ -z "$GO" ]; then
  if command -v go >/dev/null 2>&1; then GO=go
  elif [ -x /usr/lib/go/bin/go ]; then GO=/usr/lib/go/bin/go
  else echo "build-go.sh: no Go toolchain found (run scripts/setup.sh)" >&2; exit 1
  fi
fi

export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GOSUMDB=off
export CGO_ENABLED=0 GOARCH=amd64 GO111MODULE=on

mkdir -p "$out_df" "$out_linux"

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for d in "$src"/*/; do
    n="$(basename "$d")"
    [ -f "$d/main.go" ] && names+=("$n")
  done
fi

# build GOOS OUT PKG: builds into a temporary file and replaces OUT only when it differs,
# so an unchanged program keeps its mtime.
build() {
  local goos="$1" out="$2" pkg="$3" tmp
  tmp="$(mktemp "$out.tmp.XXXXXX")"
  if ! GOOS="$goos" "$GO" build -trimpath -o "$tmp" "$pkg"; then
    rm -f "$tmp"; return 1
  fi
  if [ -f "$out" ] && cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv -f "$tmp" "$out"; fi
}

# Building all of them: skipped when none of images/go nor this script is newer than the last
# full build's stamp and the toolchain is the same. `go build` of an unchanged program still
# costs most of a second each (14 programs: about 10 s of every `npm start`).
stamp="$out_df/.stamp"
gover="$("$GO" env GOVERSION)"
if [ $# -eq 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$gover" ] &&
   [ -z "$(find "$src" "$0" -newer "$stamp" -print -quit)" ]; then
  exit 0
fi

cd "$src"
built=0
# A real program from the toolchain itself, built for both systems (test/go-tools.test.ts, bench gofmt).
TOOLS=(gofmt)
if [ $# -eq 0 ]; then
  for n in "${TOOLS[@]}"; do
    build dragonfly "$out_df/$n" "cmd/$n"
    build linux "$out_linux/$n" "cmd/$n"
    built=$((built + 1))
  done
fi
for n in "${names[@]}"; do
  if [ ! -f "$src/$n/main.go" ]; then
    echo "build-go.sh: no program images/go/$n" >&2; exit 1
  fi
  build dragonfly "$out_df/$n" "./$n"
  built=$((built + 1))
  if [[ "$n" == bench_* ]]; then
    build linux "$out_linux/$n" "./$n"
  fi
done
[ $# -gt 0 ] || echo "$gover" > "$stamp"
echo "build-go.sh: $built Go guest programs in images/build/go/ (bench_* and ${TOOLS[*]} also in images/build/linux/go/)"
