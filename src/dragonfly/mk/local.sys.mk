# Included first by the tree's own sys.mk: what differs when a Linux host
# cross-builds DragonFly with bmake (vkemu dragonfly build sets the environment).
.SHELL: name=sh path=${VKEMU_DFLY_SHIMS}/sh
MACHINE_PLATFORM?=	pc64
CCVER=			clang
HOST_CCVER=		clang
HOST_BINUTILSVER=	binutils234
CC=			${VKEMU_DFLY_SHIMS}/cc
CXX=			${VKEMU_DFLY_SHIMS}/c++
CPP=			${VKEMU_DFLY_SHIMS}/cc -E
LD=			ld.lld
AR=			llvm-ar
RANLIB=			llvm-ranlib
NM=			llvm-nm
OBJCOPY=		llvm-objcopy
OBJDUMP=		llvm-objdump
SIZE=			llvm-size
STRIPBIN=		llvm-strip
AWK=			mawk
YACC=			byacc
LEX=			flex
INSTALL=		${VKEMU_DFLY_SHIMS}/install
# Programs that run on the build host (.nx): the host's own compiler (by its
# full path: the cross compiler's shim is first on PATH), with the BSD
# extensions glibc lacks (nxcompat.h, and libnxcompat.a from runtime/build.sh).
_NXCOMPAT=		-D__FBSDID\(x\)= -D__RCSID\(x\)= -include ${VKEMU_DFLY_MK}/nxcompat.h
NXCC=			/usr/bin/cc ${_NXCOMPAT}
NXCC_LINK=		/usr/bin/cc ${_NXCOMPAT}
NXLDLIBS=		${LDLIBS} ${VKEMU_DFLY_HOST}/libnxcompat.a
NO_WERROR=		yes
# A small world for a virtual kernel: no message catalogs, manual pages or profiled libraries.
NO_NLS=			yes
NOMAN=			yes
NOPROFILE=		yes
NOINFO=			yes
# rtld relocates itself: lld must fill its GOT slots (--apply-dynamic-relocs)
# and must not turn the _DYNAMIC GOT load into a lea (--no-relax), or the
# self-relocation is skipped or applied twice.
.if ${.CURDIR:M*/libexec/rtld-elf}
LDFLAGS+=		-Wl,--apply-dynamic-relocs,--no-relax
.endif
# Where the tree's makefiles find the headers and libraries built so far
# (private ones in usr/include/priv, usr/lib/priv): the world being built.
_SHLIBDIRPREFIX=	${VKEMU_DFLY_SYSROOT}
