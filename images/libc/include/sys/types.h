/* vkemu guest libc: basic types for DragonFly BSD x86-64 (LP64). */
#ifndef _VK_SYS_TYPES_H
#define _VK_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef int64_t off_t;
typedef int pid_t;
typedef int lwpid_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint16_t mode_t;
typedef uint32_t dev_t;
typedef uint64_t ino_t;
typedef uint32_t nlink_t;
typedef int64_t time_t;
typedef long suseconds_t;
typedef unsigned int useconds_t;
typedef int clockid_t;
typedef int64_t blkcnt_t;
typedef int64_t blksize_t;
typedef uint32_t fflags_t;
typedef int64_t rlim_t;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef char *caddr_t;

#endif
