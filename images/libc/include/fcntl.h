/* vkemu guest libc: open/fcntl flag values of DragonFly BSD (ABI notes 7.4). */
#ifndef _VK_FCNTL_H
#define _VK_FCNTL_H
#include <sys/types.h>

#define O_RDONLY     0x0000
#define O_WRONLY     0x0001
#define O_RDWR       0x0002
#define O_ACCMODE    0x0003
#define O_NONBLOCK   0x0004
#define O_APPEND     0x0008
#define O_SHLOCK     0x0010
#define O_EXLOCK     0x0020
#define O_ASYNC      0x0040
#define O_FSYNC      0x0080
#define O_SYNC       0x0080
#define O_NOFOLLOW   0x0100
#define O_CREAT      0x0200
#define O_TRUNC      0x0400
#define O_EXCL       0x0800
#define O_NOCTTY     0x8000
#define O_DIRECT     0x00010000
#define O_CLOEXEC    0x00020000
#define O_FBLOCKING  0x00040000
#define O_FNONBLOCKING 0x00080000
#define O_FAPPEND    0x00100000
#define O_FOFFSET    0x00200000
#define O_FSYNCWRITE 0x00400000
#define O_FASYNCWRITE 0x00800000
#define O_DIRECTORY  0x08000000

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETOWN 5
#define F_SETOWN 6
#define F_GETLK 7
#define F_SETLK 8
#define F_SETLKW 9
#define F_DUPFD_CLOEXEC 17
#define FD_CLOEXEC 1

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

#define AT_FDCWD ((int)0xFFFAFDCD)
#define AT_SYMLINK_NOFOLLOW 1
#define AT_REMOVEDIR 2
#define AT_EACCESS 4
#define AT_SYMLINK_FOLLOW 8

int open(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int creat(const char *path, mode_t mode);
int fcntl(int fd, int cmd, ...);
int flock(int fd, int op);
int unlinkat(int dirfd, const char *path, int flags);

#endif
