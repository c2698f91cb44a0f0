#!/bin/sh
# Installs the compiler run-time stand-ins into a DragonFly sysroot's
# /usr/lib/gcc80: crtbegin/crtend (see crtbegin.c) and libgcc built from the
# host's compiler-rt builtins (plain x86-64 code with no OS calls); and
# libnxcompat.a for the tools the build runs on Linux.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${VKEMU_DFLY_SYSROOT:?}/usr/lib/gcc80
mkdir -p "$dest"
cc=$here/../shims/cc
$cc -O2 -fPIC -c "$here/crtbegin.c" -o "$dest/crtbegin.o"
$cc -O2 -fPIC -c "$here/crtbegin.c" -o "$dest/crtbeginT.o"
$cc -O2 -fPIC -DSHARED -c "$here/crtbegin.c" -o "$dest/crtbeginS.o"
$cc -O2 -fPIC -c "$here/crtend.c" -o "$dest/crtend.o"
cp "$dest/crtend.o" "$dest/crtendS.o"
rt=$(clang -print-resource-dir)/lib/linux/libclang_rt.builtins-x86_64.a
[ -f "$rt" ] || { echo "compiler-rt builtins not found at $rt (Debian package libclang-rt-14-dev)" >&2; exit 1; }
cp "$rt" "$dest/libgcc.a"
cp "$rt" "$dest/libgcc_pic.a"
rm -f "$dest/libgcc_eh.a"; llvm-ar crs "$dest/libgcc_eh.a"
# The build host's side: BSD helpers for tools built from the tree and run on Linux.
host=${VKEMU_DFLY_HOST:?}
mkdir -p "$host"
/usr/bin/cc -O2 -c "$here/../mk/nxcompat.c" -o "$host/nxcompat.o"
rm -f "$host/libnxcompat.a"; ar crs "$host/libnxcompat.a" "$host/nxcompat.o"
