#!/usr/bin/env bash
# Builds Go standard-library test binaries for the vkemu conformance run.
#
# Usage: test/conformance/build.sh [--goos dragonfly|linux] PKG...
#   dragonfly (default) -> images/build/gotest/<pkg with / as _>.test
#   linux               -> images/build/gotest-linux/<pkg with / as _>.test  (native sanity run)
#
# A binary is rebuilt only when it is missing or older than the toolchain (GOROOT/VERSION)
# or any file in the package's source directory. Static (CGO_ENABLED=0), never touches the
# network (GOPROXY=off, GOTOOLCHAIN=local). A package without test files is reported and
# skipped (exit status stays 0); a package that fails to build makes the exit status 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

goos=dragonfly
if [ "${1:-}" = "--goos" ]; then goos="$2"; shift 2; fi
case "$goos" in
  dragonfly) out="$root/images/build/gotest" ;;
  linux) out="$root/images/build/gotest-linux" ;;
  *) echo "build.sh: unsupported --goos $goos" >&2; exit 2 ;;
esac
if [ $# -eq 0 ]; then
  echo "usage: $0 [--goos dragonfly|linux] PKG..." >&2; exit 2
fi

GO="${GO:-}"
if [ -z "$GO" ]; then
  if command -v go >/dev/null 2>&1; then GO=go
  elif [ -x /usr/lib/go/bin/go ]; then GO=/usr/lib/go/bin/go
  else echo "build.sh: no Go toolchain found (run scripts/setup.sh)" >&2; exit 1
  fi
fi
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GOSUMDB=off GO111MODULE=on
export CGO_ENABLED=0 GOARCH=amd64
goroot="$("$GO" env GOROOT)"
mkdir -p "$out"

total=$#
i=0
status=0
for pkg in "$@"; do
  i=$((i + 1))
  name="${pkg//\//_}"
  bin="$out/$name.test"
  dir="$goroot/src/$pkg"
  if [ ! -d "$dir" ]; then
    echo "[$i/$total] $pkg: no such package in $goroot/src" >&2; status=1; continue
  fi
  if [ -f "$bin" ] && [ -z "$(find "$dir" "$goroot/VERSION" -maxdepth 1 -newer "$bin" -print -quit 2>/dev/null)" ]; then
    echo "[$i/$total] $pkg: up to date"
    continue
  fi
  start=$SECONDS
  # Build from inside GOROOT/src so the package resolves in the std module.
  if (cd "$goroot/src" && GOOS="$goos" "$GO" test -c -o "$bin.tmp" "$pkg"); then
    if [ -f "$bin.tmp" ]; then
      mv -f "$bin.tmp" "$bin"
      echo "[$i/$total] $pkg: built $(basename "$bin") in $((SECONDS - start))s"
    else
      echo "[$i/$total] $pkg: no test files"
    fi
  else
    rm -f "$bin.tmp"
    echo "[$i/$total] $pkg: BUILD FAILED" >&2
    status=1
  fi
done
exit $status
