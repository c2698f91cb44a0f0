/*
 * vcd: virtual CD-ROMs on host image files (vkernel-host-abi.md §6.2).
 * Opened O_RDONLY|O_DIRECT before boot; 2048-byte sectors; I/O is
 * synchronous on the calling vCPU thread (extpread straight into the KVA
 * buffer), with no cothread and no interrupt. The medium is read-only.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "dev.h"

#define L(x) ((long)(x))

struct vcd {
	int fd;
	char fname[256];
	unsigned long size, nread, bytes, nerr;
};

char *vcd_opt[NVCD];
int nvcd_opt;
static struct vcd vcd[NVCD];
static int nvcd;

void vcd_open_all(void)
{
	for (int i = 0; i < nvcd_opt; i++) {
		struct vcd *c = &vcd[nvcd];
		struct stat st;
		int fd = open(vcd_opt[i], O_RDONLY | O_DIRECT, 0644);
		if (fd < 0 || fstat(fd, &st) < 0)
			die(1, "Unable to open/create %s: %s", vcd_opt[i], strerror(errno));
		c->fd = fd;
		c->size = (unsigned long)st.st_size;
		strlcpy(c->fname, vcd_opt[i], sizeof(c->fname));
		nvcd++;
	}
}

void vcd_attach_all(void)
{
	for (int i = 0; i < nvcd; i++)
		kprintf("vcd%d: <%s> %lu sectors of %d bytes, read-only\n", i, vcd[i].fname,
		        vcd[i].size / VCD_SECSIZE, VCD_SECSIZE);
}

int vcd_count(void) { return nvcd; }
unsigned long vcd_size(int unit) { return unit >= 0 && unit < nvcd ? vcd[unit].size : 0; }

/* One request, done right here; the kernel lock is let go for the host call. */
int vcd_io(int unit, int cmd, char *kbuf, unsigned long len, unsigned long off)
{
	if (unit < 0 || unit >= nvcd)
		return -ENXIO;
	struct vcd *c = &vcd[unit];
	if (cmd != BIO_READ)
		return -EROFS;
	if (len == 0 || len > MAXXFER || len % VCD_SECSIZE || off % VCD_SECSIZE ||
	    off + len > c->size / VCD_SECSIZE * VCD_SECSIZE)
		return -EINVAL;
	long r;
	kunlock();
	do
		r = __dfly_sc5(SYS_extpread, c->fd, L(kbuf), L(len), 0, L(off));
	while (r == -EINTR);
	klock();
	c->nread++;
	if (r != (long)len) {
		c->nerr++;
		kprintf("vcd%d: read of %lu bytes at %lu failed: %s\n", unit, len, off,
		        r < 0 ? strerror((int)-r) : "short transfer");
		return -EIO;
	}
	c->bytes += len;
	return 0;
}

int vcd_text(char *buf, unsigned long len)
{
	int o = 0;
	for (int i = 0; i < nvcd && (unsigned long)o + 1 < len; i++)
		o += ksnprintf(buf + o, len - (unsigned long)o,
		               "vcd%d: %lu bytes (%lu sectors of %d), read-only, %s\n      %lu reads, %lu errors\n",
		               i, vcd[i].size, vcd[i].size / VCD_SECSIZE, VCD_SECSIZE, vcd[i].fname,
		               vcd[i].nread, vcd[i].nerr);
	return o;
}
