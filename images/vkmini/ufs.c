/*
 * A read-only UFS1 reader for vkd disks: enough to list directories and read
 * files, so that /sbin/init and the user programs load from the root image.
 * The disk layout is the one docs/IMAGES.md fixes: a disklabel64 at byte 0
 * whose partition a holds UFS1 (superblock at +8192). A disk without a
 * label is tried as a bare UFS1 file system. No cache: every block comes
 * from the disk through vkd_io (this vCPU's KVA buffer, or a sector on the
 * kernel stack, which is KVA as well).
 */
#include <string.h>
#include <errno.h>
#include "dev.h"

#define DISKMAGIC64 0xc4464c59u
#define FS_MAGIC    0x011954
#define SBOFF       8192
#define ROOTINO     2
#define DINODE_SIZE 128
#define DIRBLKSIZ   512
#define NDADDR      12

struct ufsmnt {
	int mounted;
	unsigned long base;		/* byte offset of partition a */
	unsigned bsize, fsize, frag, ipg, inopb, iblkno, fpg, cgoffset, cgmask, nindir;
};
static struct ufsmnt mnt[NVKD];

static unsigned get32(const char *p) { unsigned v; memcpy(&v, p, 4); return v; }
static unsigned long get64(const char *p) { unsigned long v; memcpy(&v, p, 8); return v; }

/* One sector (512 bytes) of the disk holding byte off, into sec (KVA). */
static int rdsec(int unit, unsigned long off, char *sec)
{
	return vkd_io(unit, BIO_READ, sec, VKD_SECSIZE, off & ~(unsigned long)(VKD_SECSIZE - 1));
}

int ufs_mount(int unit)
{
	struct ufsmnt *m = &mnt[unit];
	char *buf = mycpu()->gd_iobuf[0];
	const char *how = "no disklabel64, ";
	int r = vkd_io(unit, BIO_READ, buf, 4096, 0);
	if (r < 0)
		return r;
	m->base = 0;
	if (get32(buf + 512) == DISKMAGIC64 && get32(buf + 524) >= 1) {
		m->base = get64(buf + 712);		/* d_partitions[0].p_boffset */
		how = "";
	}
	if ((r = vkd_io(unit, BIO_READ, buf, 2048, m->base + SBOFF)) < 0)
		return r;
	if ((get32(buf + 1372) & 0xffffff) != FS_MAGIC) {
		kprintf("ufs: vkd%d: %sno UFS1 superblock at byte %lu\n", unit, how, m->base + SBOFF);
		return -EINVAL;
	}
	m->iblkno = get32(buf + 16);
	m->cgoffset = get32(buf + 24);
	m->cgmask = get32(buf + 28);
	m->bsize = get32(buf + 48);
	m->fsize = get32(buf + 52);
	m->frag = get32(buf + 56);
	m->nindir = get32(buf + 116);
	m->inopb = get32(buf + 120);
	m->ipg = get32(buf + 184);
	m->fpg = get32(buf + 188);
	if (m->bsize < 4096 || m->bsize > 65536 || m->fsize < 512 || m->fsize * m->frag != m->bsize ||
	    m->inopb != m->bsize / DINODE_SIZE || m->nindir != m->bsize / 4 || !m->ipg) {
		kprintf("ufs: vkd%d: unexpected UFS1 geometry (bsize %u fsize %u)\n", unit, m->bsize, m->fsize);
		return -EINVAL;
	}
	m->mounted = 1;
	kprintf("ufs: vkd%d%s: UFS1 at byte %lu, bsize %u, fsize %u, %u inodes per group\n", unit,
	        m->base ? "s0a" : "", m->base, m->bsize, m->fsize, m->ipg);
	return 0;
}

static int iget(int unit, unsigned ino, struct kfile *f)
{
	struct ufsmnt *m = &mnt[unit];
	char sec[VKD_SECSIZE];
	unsigned cg = ino / m->ipg;
	unsigned long cgstart = (unsigned long)m->fpg * cg + m->cgoffset * (cg & ~m->cgmask);
	unsigned long blk = cgstart + m->iblkno + (ino % m->ipg) / m->inopb * m->frag;
	unsigned long off = m->base + blk * m->fsize + (ino % m->inopb) * DINODE_SIZE;
	int r = rdsec(unit, off, sec);
	if (r < 0)
		return r;
	const char *di = sec + off % VKD_SECSIZE;
	unsigned short mode;
	memcpy(&mode, di, 2);
	memset(f, 0, sizeof(*f));
	f->fs = unit;
	f->loc = ino;
	f->size = get64(di + 8);
	memcpy(f->db, di + 40, sizeof(f->db));
	memcpy(f->ib, di + 88, sizeof(f->ib));
	switch (mode & 0170000) {
	case 0040000: f->type = 'd'; break;
	case 0100000: f->type = '-'; break;
	case 0120000: f->type = 'l'; break;
	default: f->type = '?'; break;
	}
	return 0;
}

/* One entry of an indirect block. */
static long indir(int unit, int blk, unsigned long idx)
{
	struct ufsmnt *m = &mnt[unit];
	char sec[VKD_SECSIZE];
	if (blk == 0)
		return 0;
	unsigned long off = m->base + (unsigned long)(unsigned)blk * m->fsize + idx * 4;
	int r = rdsec(unit, off, sec);
	return r < 0 ? r : (long)get32(sec + off % VKD_SECSIZE);
}

/* The fragment number of logical block lbn (0: a hole), or -errno. */
static long bmap(struct kfile *f, unsigned long lbn)
{
	struct ufsmnt *m = &mnt[f->fs];
	if (lbn < NDADDR)
		return (unsigned)f->db[lbn];
	lbn -= NDADDR;
	if (lbn < m->nindir)
		return indir(f->fs, f->ib[0], lbn);
	lbn -= m->nindir;
	if (lbn < (unsigned long)m->nindir * m->nindir) {
		long mid = indir(f->fs, f->ib[1], lbn / m->nindir);
		return mid <= 0 ? mid : indir(f->fs, (int)mid, lbn % m->nindir);
	}
	return -EFBIG;
}

/* Read up to len bytes at off into dst (any kernel address); returns the count or -errno. */
long ufs_read(struct kfile *f, char *dst, unsigned long off, unsigned long len)
{
	struct ufsmnt *m = &mnt[f->fs];
	char *buf = mycpu()->gd_iobuf[0];
	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = f->size - off;
	for (unsigned long done = 0; done < len;) {
		unsigned long pos = off + done, boff = pos % m->bsize;
		unsigned long n = m->bsize - boff < len - done ? m->bsize - boff : len - done;
		long frag = bmap(f, pos / m->bsize);
		if (frag < 0)
			return frag;
		if (frag == 0)
			memset(dst + done, 0, n);
		else {
			/* just the fragments that hold [boff, boff + n): a file's last block may be short */
			unsigned long lo = boff / m->fsize * m->fsize;
			unsigned long hi = (boff + n + m->fsize - 1) / m->fsize * m->fsize;
			int r = vkd_io(f->fs, BIO_READ, buf, hi - lo, m->base + (unsigned long)frag * m->fsize + lo);
			if (r < 0)
				return r;
			memcpy(dst + done, buf + (boff - lo), n);
		}
		done += n;
	}
	return (long)len;
}

/* Call fn for every entry of a directory; fn returns nonzero to stop. With load, f is the entry's inode. */
static int dirscan(struct kfile *dir, int load, dirent_fn fn, void *arg, unsigned *found)
{
	char blk[DIRBLKSIZ];
	if (dir->type != 'd')
		return -ENOTDIR;
	for (unsigned long off = 0; off < dir->size; off += DIRBLKSIZ) {
		long n = ufs_read(dir, blk, off, DIRBLKSIZ);
		if (n < 0)
			return (int)n;
		for (long i = 0; i + 8 <= n;) {
			unsigned ino = get32(blk + i);
			unsigned short reclen;
			memcpy(&reclen, blk + i + 4, 2);
			int namlen = (unsigned char)blk[i + 7];
			if (reclen < 8 || i + reclen > n || 8 + namlen > reclen)
				break;			/* damaged: skip the rest of this chunk */
			if (ino) {
				struct kfile f;
				memset(&f, 0, sizeof(f));
				int r = load ? iget(dir->fs, ino, &f) : 0;
				if (r < 0)
					return r;
				f.loc = ino;
				if (fn(arg, blk + i + 8, namlen, &f)) {
					if (found)
						*found = ino;
					return 1;
				}
			}
			i += reclen;
		}
	}
	return 0;
}

int ufs_readdir(struct kfile *dir, dirent_fn fn, void *arg)
{
	int r = dirscan(dir, 1, fn, arg, 0);
	return r < 0 ? r : 0;
}

struct want { const char *name; int len; };

static int match(void *arg, const char *name, int namelen, const struct kfile *f)
{
	struct want *w = arg;
	return namelen == w->len && memcmp(name, w->name, (unsigned long)namelen) == 0;
}

int ufs_lookup(int unit, const char *path, struct kfile *f)
{
	if (unit < 0 || unit >= NVKD || !mnt[unit].mounted)
		return -ENXIO;
	int r = iget(unit, ROOTINO, f);
	while (r == 0) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		struct want w = { path, 0 };
		while (path[w.len] && path[w.len] != '/')
			w.len++;
		path += w.len;
		unsigned ino = 0;
		r = dirscan(f, 0, match, &w, &ino);
		if (r == 0)
			return -ENOENT;
		if (r > 0)
			r = iget(unit, ino, f);
	}
	return r;
}
