#!/usr/bin/env bash
# Builds the guest C library (images/libc) and every images/c/*.c program as a
# static DragonFly BSD x86-64 executable in images/build/c/<name>. Benchmark
# programs (images/c/bench_*.c) are also built natively for Linux with gcc into
# images/build/linux/c/<name>, as the baseline. Only out-of-date files are rebuilt.
set -euo pipefail
cd "$(dirname "$0")"

CC=${DFLY_CC:-clang}
HOSTCC=${HOST_CC:-gcc}
OUT=build
LIBOUT=$OUT/libc
BINOUT=$OUT/c
LINUXOUT=$OUT/linux/c

TARGET=(-target x86_64-unknown-dragonfly)
CFLAGS=("${TARGET[@]}" -ffreestanding -nostdlibinc -isystem libc/include
        -O2 -g -fno-stack-protector -fno-pie -fno-pic
        -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration)
LDFLAGS=("${TARGET[@]}" -nostdlib -static -fuse-ld=lld)

mkdir -p "$LIBOUT" "$BINOUT" "$LINUXOUT"

# Nothing to do when no source nor this script is newer than the last complete run's stamp
# and every program is there: the per-file checks below cost about half a second.
STAMP=$OUT/.c-stamp
uptodate() {
  [ -f "$STAMP" ] || return 1
  [ -z "$(find libc c ldso vkmini "${0##*/}" -newer "$STAMP" -print -quit)" ] || return 1
  local src
  for src in c/*.c; do
    src=${src##*/}
    [ -e "$BINOUT/${src%.c}" ] || return 1
  done
  [ -e "$OUT/vkmini/kernel" ]
}
if uptodate; then exit 0; fi

# newer OUT DEP... : true when OUT is missing or older than any DEP
newer() {
  local out=$1; shift
  [ -e "$out" ] || return 0
  local d
  for d in "$@"; do
    [ "$d" -nt "$out" ] && return 0
  done
  return 1
}

mapfile -t HEADERS < <(find libc/include libc/src -name '*.h' | sort)
mapfile -t LIBSRC < <(find libc/src -maxdepth 1 \( -name '*.c' -o -name '*.S' \) | sort)

# --- the library: crt0.o separately, everything else in libvkc.a ---
objs=()
for src in "${LIBSRC[@]}"; do
  base=$(basename "$src"); obj=$LIBOUT/${base%.*}.o
  if newer "$obj" "$src" "${HEADERS[@]}" "$0"; then
    echo "CC    $src"
    "$CC" "${CFLAGS[@]}" -c "$src" -o "$obj"
  fi
  [ "$base" = crt0.S ] || objs+=("$obj")
done
CRT0=$LIBOUT/crt0.o
LIBA=$LIBOUT/libvkc.a
if newer "$LIBA" "${objs[@]}"; then
  echo "AR    $LIBA"
  rm -f "$LIBA"
  llvm-ar rcs "$LIBA" "${objs[@]}" 2>/dev/null || ar rcs "$LIBA" "${objs[@]}"
fi

# --- the programs ---
shopt -s nullglob
LOCALHDR=(c/*.h)
for src in c/*.c; do
  name=$(basename "$src" .c)
  bin=$BINOUT/$name
  if newer "$bin" "$src" "$CRT0" "$LIBA" "${HEADERS[@]}" "${LOCALHDR[@]}" "$0"; then
    echo "CC    $src -> $bin"
    "$CC" "${CFLAGS[@]}" -Ic -c "$src" -o "$BINOUT/$name.o"
    "$CC" "${LDFLAGS[@]}" "$CRT0" "$BINOUT/$name.o" "$LIBA" -o "$bin"
    rm -f "$BINOUT/$name.o"
  fi
  case $name in
    bench_*|gdb_bench)
      lbin=$LINUXOUT/$name
      if newer "$lbin" "$src" "${LOCALHDR[@]}" "$0"; then
        echo "HOSTCC $src -> $lbin"
        "$HOSTCC" -O2 -g -Wall -Ic -o "$lbin" "$src" -pthread
      fi
      ;;
  esac
done

# The toy interpreter and a program that names it: PT_INTERP, AT_BASE, static
# PIE and -L roots. The interpreter is installed as ROOT/libexec/ld-elf.so.2.
LDSO_ROOT=build/ldso-root
mkdir -p "$LDSO_ROOT/libexec" build/c
if [ ! -f "$LDSO_ROOT/libexec/ld-elf.so.2" ] || [ ldso/ld-elf.c -nt "$LDSO_ROOT/libexec/ld-elf.so.2" ]; then
  clang -target x86_64-unknown-dragonfly -ffreestanding -nostdlib -fPIE -fuse-ld=lld -O2 \
    -Wl,-pie -Wl,--no-dynamic-linker -o "$LDSO_ROOT/libexec/ld-elf.so.2" ldso/ld-elf.c
fi
if [ ! -f build/c/dynprog ] || [ ldso/dynprog.c -nt build/c/dynprog ]; then
  clang -target x86_64-unknown-dragonfly -ffreestanding -nostdlib -fuse-ld=lld -O2 \
    -Wl,--dynamic-linker=/libexec/ld-elf.so.2 -o build/c/dynprog ldso/dynprog.c
fi
# A shared object the toy interpreter maps (no relocations) and a program that
# needs it: the GDB stub's shared-library tests (test/gdb-solib.test.ts).
mkdir -p "$LDSO_ROOT/lib"
if [ ! -f "$LDSO_ROOT/lib/libtoy.so.1" ] || [ ldso/libtoy.c -nt "$LDSO_ROOT/lib/libtoy.so.1" ]; then
  clang -target x86_64-unknown-dragonfly -ffreestanding -nostdlib -fPIC -shared -fuse-ld=lld -O1 -g \
    -Wl,-soname,libtoy.so.1 -Wl,-e,toy_work -o "$LDSO_ROOT/lib/libtoy.so.1" ldso/libtoy.c
fi
if [ ! -f build/c/dynlib ] || [ ldso/dynlib.c -nt build/c/dynlib ] || [ "$LDSO_ROOT/lib/libtoy.so.1" -nt build/c/dynlib ]; then
  clang -target x86_64-unknown-dragonfly -ffreestanding -nostdlib -fuse-ld=lld -O1 -g \
    -Wl,--dynamic-linker=/libexec/ld-elf.so.2 -o build/c/dynlib ldso/dynlib.c "$LDSO_ROOT/lib/libtoy.so.1"
fi

# vkmini: our own small virtual kernel (images/vkmini) and the user programs it
# runs, in images/build/vkmini/. The kernel links with the guest libc; the user
# programs are freestanding with their own tiny library (user/ulib.c).
VKMINI_OUT=$OUT/vkmini
mkdir -p "$VKMINI_OUT"
VKMINI_KSRC=(vkmini/*.c)
VKMINI_HDR=(vkmini/*.h)
if newer "$VKMINI_OUT/kernel" "${VKMINI_KSRC[@]}" "${VKMINI_HDR[@]}" "$CRT0" "$LIBA" "${HEADERS[@]}" "$0"; then
  echo "CC    vkmini kernel -> $VKMINI_OUT/kernel"
  kobjs=()
  for src in "${VKMINI_KSRC[@]}"; do
    obj=$VKMINI_OUT/$(basename "$src" .c).o
    "$CC" "${CFLAGS[@]}" -c "$src" -o "$obj"
    kobjs+=("$obj")
  done
  "$CC" "${LDFLAGS[@]}" "$CRT0" "${kobjs[@]}" "$LIBA" -o "$VKMINI_OUT/kernel"
  rm -f "${kobjs[@]}"
fi
UFLAGS=("${TARGET[@]}" -ffreestanding -nostdlib -static -fuse-ld=lld -O2 -g -fno-stack-protector
        -fno-pie -fno-pic -fno-builtin -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration)
for src in vkmini/user/*.c; do
  name=$(basename "$src" .c)
  [ "$name" = ulib ] && continue
  if newer "$VKMINI_OUT/$name" "$src" vkmini/user/ulib.c vkmini/user/ulib.h vkmini/vkmini.h "$0"; then
    echo "CC    $src -> $VKMINI_OUT/$name"
    "$CC" "${UFLAGS[@]}" -o "$VKMINI_OUT/$name" "$src" vkmini/user/ulib.c
  fi
done
touch "$STAMP"
