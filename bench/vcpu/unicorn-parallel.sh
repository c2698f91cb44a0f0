#!/usr/bin/env bash
# Builds Unicorn 2.1.1 (x86 only) with unicorn-parallel.patch: translated code made for
# parallel CPUs (CF_PARALLEL), so that lock-prefixed guest instructions become host atomics,
# and the atomic path's dirty-page check fixed for UC_TLB_VIRTUAL engines (it looked the
# region up by the virtual address and crashed on the first lock cmpxchg of a vkernel).
# An experiment for bench/vcpu.ts's decision, never what vkemu links:
#   bash bench/vcpu/unicorn-parallel.sh UNICORN_2.1.1_TREE OUT
#   VCPU_ONLY=atomic LD_LIBRARY_PATH=OUT bench/vcpu/build/vcpu     # no increments lost
#   LD_LIBRARY_PATH=OUT bin/vkemu ...                             # vkemu on it, same speed
# UNICORN_2.1.1_TREE: e.g. `git clone -b 2.1.1 https://github.com/unicorn-engine/unicorn`.
set -euo pipefail
src=${1:?usage: unicorn-parallel.sh UNICORN_2.1.1_TREE OUT}
out=${2:?usage: unicorn-parallel.sh UNICORN_2.1.1_TREE OUT}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$src/qemu/accel/tcg/cputlb.c" ] || { echo "unicorn-parallel.sh: $src is not a Unicorn source tree" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$src/." "$work/"
patch -d "$work" -p1 < "$here/unicorn-parallel.patch"
cmake -S "$work" -B "$work/build" -G Ninja -DUNICORN_ARCH=x86 -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$work/build" unicorn >/dev/null
mkdir -p "$out"
cp -a "$work/build"/libunicorn.so* "$out/"
echo "unicorn-parallel.sh: $out/libunicorn.so.2"
