/* vkemu guest libc: opendir/readdir over getdirentries. */
#include "internal.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct __vk_dir {
	int fd;
	int len;
	int pos;
	long base;
	char buf[8192];
};

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = malloc(sizeof(*d));
	if (!d) {
		close(fd);
		return 0;
	}
	d->fd = fd;
	d->len = d->pos = 0;
	d->base = 0;
	return d;
}

struct dirent *readdir(DIR *d)
{
	for (;;) {
		if (d->pos < d->len) {
			struct dirent *e = (struct dirent *)(d->buf + d->pos);
			d->pos += _DIRENT_RECLEN(e->d_namlen);
			return e;
		}
		int n = getdirentries(d->fd, d->buf, sizeof(d->buf), &d->base);
		if (n <= 0)
			return 0;
		d->len = n;
		d->pos = 0;
	}
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}
