/* vkemu guest libc: DragonFly struct stat (128 bytes, ABI notes 7.3). */
#ifndef _VK_SYS_STAT_H
#define _VK_SYS_STAT_H
#include <sys/types.h>
#include <time.h>

struct stat {
	ino_t st_ino;			/*   0 */
	nlink_t st_nlink;		/*   8 */
	dev_t st_dev;			/*  12 */
	mode_t st_mode;			/*  16 */
	uint16_t st_padding1;
	uid_t st_uid;			/*  20 */
	gid_t st_gid;			/*  24 */
	dev_t st_rdev;			/*  28 */
	struct timespec st_atim;	/*  32 */
	struct timespec st_mtim;	/*  48 */
	struct timespec st_ctim;	/*  64 */
	off_t st_size;			/*  80 */
	blkcnt_t st_blocks;		/*  88 */
	uint32_t __old_st_blksize;	/*  96 */
	fflags_t st_flags;		/* 100 */
	uint32_t st_gen;		/* 104 */
	int32_t st_lspare;		/* 108 */
	blksize_t st_blksize;		/* 112 */
	int64_t st_qspare2;		/* 120 */
};
_Static_assert(sizeof(struct stat) == 128, "struct stat size");

#define st_atime st_atim.tv_sec
#define st_mtime st_mtim.tv_sec
#define st_ctime st_ctim.tv_sec

#define S_IFMT   0170000
#define S_IFIFO  0010000
#define S_IFCHR  0020000
#define S_IFDIR  0040000
#define S_IFBLK  0060000
#define S_IFREG  0100000
#define S_IFLNK  0120000
#define S_IFSOCK 0140000
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m)  (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)

int stat(const char *restrict path, struct stat *restrict st);
int lstat(const char *restrict path, struct stat *restrict st);
int fstat(int fd, struct stat *st);
int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags);
int mkdir(const char *path, mode_t mode);
int mkdirat(int dirfd, const char *path, mode_t mode);
int chmod(const char *path, mode_t mode);
mode_t umask(mode_t mask);

#endif
