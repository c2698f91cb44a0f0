/*
 * A read-only ISO 9660 reader for vcd: list a directory, read a file.
 * Names come from Rock Ridge (the SUSP "NM" entry) when the image has it,
 * as `xorriso -as mkisofs -R` writes; otherwise from the plain ISO name with
 * its ";1" version and a trailing dot dropped, compared case-insensitively.
 */
#include <string.h>
#include <errno.h>
#include "dev.h"

#define PVD_SECTOR 16

static struct { int mounted; unsigned long root, rootsize; } isomnt[NVCD];

static unsigned get32(const unsigned char *p) { return (unsigned)p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24; }

int iso_mount(int unit)
{
	unsigned char *sec = (unsigned char *)mycpu()->gd_iobuf[0];
	for (unsigned long s = PVD_SECTOR; s < PVD_SECTOR + 32; s++) {
		int r = vcd_io(unit, BIO_READ, (char *)sec, VCD_SECSIZE, s * VCD_SECSIZE);
		if (r < 0)
			return r;
		if (memcmp(sec + 1, "CD001", 5) != 0 || sec[0] == 255)
			break;
		if (sec[0] == 1) {		/* the primary volume descriptor */
			isomnt[unit].root = get32(sec + 156 + 2);
			isomnt[unit].rootsize = get32(sec + 156 + 10);
			isomnt[unit].mounted = 1;
			return 0;
		}
	}
	return -EINVAL;
}

/* The name of a directory record: Rock Ridge NM if present, else the ISO name made plain. */
static int recname(const unsigned char *rec, char *out, int max)
{
	int len = rec[0], nl = rec[32], n = 0;
	const unsigned char *p = rec + 33 + nl + (nl % 2 == 0), *end = rec + len;
	for (; p + 4 <= end && p[2] >= 4 && p + p[2] <= end; p += p[2]) {
		if (p[0] != 'N' || p[1] != 'M' || p[2] < 5)
			continue;
		if (p[4] & 0x2)
			return strlcpy(out, ".", (unsigned long)max), 1;
		if (p[4] & 0x4)
			return strlcpy(out, "..", (unsigned long)max), 2;
		for (int i = 5; i < p[2] && n < max - 1; i++)
			out[n++] = (char)p[i];
	}
	if (n == 0) {
		const unsigned char *name = rec + 33;
		if (nl == 1 && name[0] <= 1)
			return strlcpy(out, name[0] ? ".." : ".", (unsigned long)max), name[0] ? 2 : 1;
		for (int i = 0; i < nl && name[i] != ';' && n < max - 1; i++)
			out[n++] = (char)name[i];
		if (n > 0 && out[n - 1] == '.')
			n--;
	}
	out[n] = 0;
	return n;
}

/* Call fn for every record of a directory; fn returns nonzero to stop (then 1 is returned). */
static int dirscan(struct kfile *dir, dirent_fn fn, void *arg, struct kfile *hit)
{
	unsigned char sec[VCD_SECSIZE];
	int unit = dir->fs - FS_VCD;
	if (dir->type != 'd')
		return -ENOTDIR;
	for (unsigned long off = 0; off < dir->size; off += VCD_SECSIZE) {
		int r = vcd_io(unit, BIO_READ, (char *)sec, VCD_SECSIZE, dir->loc * VCD_SECSIZE + off);
		if (r < 0)
			return r;
		for (int i = 0; i < VCD_SECSIZE && sec[i] != 0 && i + sec[i] <= VCD_SECSIZE; i += sec[i]) {
			const unsigned char *rec = sec + i;
			if (rec[0] < 34)
				break;
			char name[256];
			int n = recname(rec, name, sizeof(name));
			struct kfile f;
			memset(&f, 0, sizeof(f));
			f.fs = dir->fs;
			f.loc = get32(rec + 2);
			f.size = get32(rec + 10);
			f.type = rec[25] & 0x2 ? 'd' : '-';
			if (fn(arg, name, n, &f)) {
				if (hit)
					*hit = f;
				return 1;
			}
		}
	}
	return 0;
}

int iso_readdir(struct kfile *dir, dirent_fn fn, void *arg)
{
	int r = dirscan(dir, fn, arg, 0);
	return r < 0 ? r : 0;
}

struct want { const char *name; int len; };

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int match(void *arg, const char *name, int namelen, const struct kfile *f)
{
	struct want *w = arg;
	if (namelen != w->len)
		return 0;
	for (int i = 0; i < namelen; i++)
		if (lower((unsigned char)name[i]) != lower((unsigned char)w->name[i]))
			return 0;
	return 1;
}

int iso_lookup(int unit, const char *path, struct kfile *f)
{
	if (unit < 0 || unit >= NVCD || !isomnt[unit].mounted)
		return -ENXIO;
	memset(f, 0, sizeof(*f));
	f->fs = FS_VCD + unit;
	f->loc = isomnt[unit].root;
	f->size = isomnt[unit].rootsize;
	f->type = 'd';
	for (;;) {
		while (*path == '/')
			path++;
		if (!*path)
			return 0;
		struct want w = { path, 0 };
		while (path[w.len] && path[w.len] != '/')
			w.len++;
		path += w.len;
		int r = dirscan(f, match, &w, f);
		if (r <= 0)
			return r < 0 ? r : -ENOENT;
	}
}

long iso_read(struct kfile *f, char *dst, unsigned long off, unsigned long len)
{
	char *buf = mycpu()->gd_iobuf[0];
	int unit = f->fs - FS_VCD;
	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = f->size - off;
	for (unsigned long done = 0; done < len;) {
		unsigned long pos = off + done, lo = pos / VCD_SECSIZE * VCD_SECSIZE;
		unsigned long want = pos - lo + (len - done);
		unsigned long n = (want + VCD_SECSIZE - 1) / VCD_SECSIZE * VCD_SECSIZE;
		if (n > MAXXFER)
			n = MAXXFER;
		int r = vcd_io(unit, BIO_READ, buf, n, f->loc * VCD_SECSIZE + lo);
		if (r < 0)
			return r;
		unsigned long take = n - (pos - lo) < len - done ? n - (pos - lo) : len - done;
		memcpy(dst + done, buf + (pos - lo), take);
		done += take;
	}
	return (long)len;
}
