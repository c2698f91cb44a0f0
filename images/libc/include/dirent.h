/* vkemu guest libc: DragonFly directory entries (no d_reclen; see _DIRENT_RECLEN). */
#ifndef _VK_DIRENT_H
#define _VK_DIRENT_H
#include <sys/types.h>

struct dirent {
	ino_t d_ino;		/*  0 */
	uint16_t d_namlen;	/*  8 */
	uint8_t d_type;		/* 10 */
	uint8_t d_unused1;	/* 11 */
	uint32_t d_unused2;	/* 12 */
	char d_name[256];	/* 16, NUL-terminated */
};

/* Size of one record in a getdirentries() buffer. */
#define _DIRENT_RECLEN(namlen) ((16 + (namlen) + 1 + 7) & ~7)

#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_BLK     6
#define DT_REG     8
#define DT_LNK    10
#define DT_SOCK   12
#define DT_WHT    14
#define DT_DBF    15

typedef struct __vk_dir DIR;

int getdirentries(int fd, char *buf, int nbytes, long *basep);
DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

#endif
