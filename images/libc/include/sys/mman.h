/* vkemu guest libc: memory mapping with DragonFly flag values. */
#ifndef _VK_SYS_MMAN_H
#define _VK_SYS_MMAN_H
#include <sys/types.h>

#define PROT_NONE  0x0
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

#define MAP_SHARED     0x0001
#define MAP_PRIVATE    0x0002
#define MAP_FIXED      0x0010
#define MAP_STACK      0x0400
#define MAP_NOSYNC     0x0800
#define MAP_ANON       0x1000
#define MAP_ANONYMOUS  MAP_ANON
#define MAP_VPAGETABLE 0x2000
#define MAP_TRYFIXED   0x10000
#define MAP_NOCORE     0x20000
#define MAP_SIZEALIGN  0x40000
#define MAP_FAILED     ((void *)-1)

#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED   3
#define MADV_DONTNEED   4
#define MADV_FREE       5
#define MADV_NOSYNC     6

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int madvise(void *addr, size_t len, int advice);

#endif
