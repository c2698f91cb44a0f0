/* Build-host (Linux, glibc) tools compiled from DragonFly sources: the BSD
 * extensions they use that glibc 2.36 lacks (see nxcompat.c). */
#ifndef VKEMU_NXCOMPAT_H
#define VKEMU_NXCOMPAT_H
#include <stddef.h>
#include <sys/types.h>
#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);
#endif
#ifndef __dead2
#define __dead2 __attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#ifndef __printflike
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#endif
#ifndef __DECONST
#define __DECONST(type, var) ((type)(unsigned long)(const void *)(var))
#endif
#endif
