/*
 * The system calls of vkmini's user programs that reach the devices and
 * file systems (see vkmini.h): device listings, directory listings and file
 * reads on the root UFS or a CD, raw sector I/O, network frames, and the
 * clock. Data crosses between the process and this vCPU's KVA buffer.
 */
#include <string.h>
#include <errno.h>
#include <time.h>
#include "dev.h"
#include "vkmini.h"

int rootfs = -1;

int fs_lookup(int fs, const char *path, struct kfile *f)
{
	if (fs >= FS_VCD)
		return iso_lookup(fs - FS_VCD, path, f);
	return ufs_lookup(fs, path, f);
}

long fs_read(struct kfile *f, char *dst, unsigned long off, unsigned long len)
{
	return f->fs >= FS_VCD ? iso_read(f, dst, off, len) : ufs_read(f, dst, off, len);
}

struct listing { struct proc *p; unsigned long ubuf, len, off; int err; };

static int list_one(void *arg, const char *name, int namelen, const struct kfile *f)
{
	struct listing *l = arg;
	char line[300];
	int n = ksnprintf(line, sizeof(line), "%c %10lu %.*s\n", f->type, f->size, namelen, name);
	if (l->off + (unsigned long)n > l->len)
		return 1;			/* the caller's buffer is full */
	if (copyout(l->p, line, l->ubuf + l->off, (unsigned long)n) < 0) {
		l->err = -EFAULT;
		return 1;
	}
	l->off += (unsigned long)n;
	return 0;
}

static long sys_fsdir(struct proc *p, int fs, unsigned long upath, unsigned long ubuf, unsigned long len)
{
	char path[256];
	struct kfile dir;
	if (copyinstr(p, upath, path, sizeof(path)) < 0)
		return -EFAULT;
	int r = fs_lookup(fs, path, &dir);
	if (r < 0)
		return r;
	struct listing l = { p, ubuf, len, 0, 0 };
	if (dir.type != 'd')
		return list_one(&l, path, (int)strlen(path), &dir) ? -EINVAL : (long)l.off;
	r = fs >= FS_VCD ? iso_readdir(&dir, list_one, &l) : ufs_readdir(&dir, list_one, &l);
	return r < 0 ? r : l.err ? l.err : (long)l.off;
}

static long sys_fsread(struct proc *p, int fs, unsigned long upath, unsigned long ubuf, unsigned long len,
                       unsigned long off)
{
	char path[256];
	struct kfile f;
	char *buf = mycpu()->gd_iobuf[1];
	if (copyinstr(p, upath, path, sizeof(path)) < 0)
		return -EFAULT;
	int r = fs_lookup(fs, path, &f);
	if (r < 0)
		return r;
	if (f.type == 'd')
		return -EISDIR;
	unsigned long done = 0;
	while (done < len) {
		unsigned long n = len - done < IOBUF_SIZE ? len - done : IOBUF_SIZE;
		long got = fs_read(&f, buf, off + done, n);
		if (got < 0)
			return done ? (long)done : got;
		if (got == 0)
			break;
		if (copyout(p, buf, ubuf + done, (unsigned long)got) < 0)
			return -EFAULT;
		done += (unsigned long)got;
	}
	return (long)done;
}

static long sys_diskio(struct proc *p, int dev, int op, unsigned long ubuf, unsigned long len, unsigned long off)
{
	char *buf = mycpu()->gd_iobuf[1];
	if (op < DISKIO_READ || op > DISKIO_FLUSH || len > IOBUF_SIZE)
		return -EINVAL;
	if (op == DISKIO_WRITE && copyin(p, ubuf, buf, len) < 0)
		return -EFAULT;
	int r = dev >= FS_VCD ? vcd_io(dev - FS_VCD, op, buf, len, off) : vkd_io(dev, op, buf, len, off);
	if (r < 0)
		return r;
	if (op == DISKIO_READ && copyout(p, buf, ubuf, len) < 0)
		return -EFAULT;
	return op == DISKIO_FLUSH ? 0 : (long)len;
}

static long sys_devinfo(struct proc *p, int which, unsigned long ubuf, unsigned long len)
{
	char *buf = mycpu()->gd_iobuf[1];
	int n;
	if (which == DEVINFO_DISKS) {
		n = vkd_text(buf, IOBUF_SIZE);
		n += vcd_text(buf + n, IOBUF_SIZE - (unsigned long)n);
	} else if (which == DEVINFO_NET)
		n = vke_text(buf, IOBUF_SIZE);
	else
		return -EINVAL;
	if ((unsigned long)n > len)
		n = (int)len;
	return copyout(p, buf, ubuf, (unsigned long)n) < 0 ? -EFAULT : n;
}

/* A timed sleep: the system call restarts when woken and ends once its deadline has passed. */
static long sys_nanosleep(struct proc *p, unsigned long uts)
{
	unsigned long now = nanotime();
	if (p->p_deadline == 0) {
		struct timespec ts;
		if (copyin(p, uts, &ts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
			return -EINVAL;
		unsigned long ns = (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
		if (ns == 0)
			return 0;
		return tsleep_until(p, &p->p_deadline, now + ns);
	}
	if (now >= p->p_deadline) {
		p->p_deadline = 0;
		return 0;
	}
	return tsleep_until(p, &p->p_deadline, p->p_deadline);
}

long sys_device(struct proc *p, long num, unsigned long *a)
{
	switch (num) {
	case VKSYS_clock_gettime: {
		unsigned long ns = nanotime();
		struct timespec ts = { (time_t)(ns / 1000000000UL), (long)(ns % 1000000000UL) };
		return copyout(p, &ts, a[1], sizeof(ts)) < 0 ? -EFAULT : 0;
	}
	case VKSYS_nanosleep: return sys_nanosleep(p, a[0]);
	case VKSYS_devinfo: return sys_devinfo(p, (int)a[0], a[1], a[2]);
	case VKSYS_fsdir: return sys_fsdir(p, (int)a[0], a[1], a[2], a[3]);
	case VKSYS_fsread: return sys_fsread(p, (int)a[0], a[1], a[2], a[3], a[4]);
	case VKSYS_diskio: return sys_diskio(p, (int)a[0], (int)a[1], a[2], a[3], a[4]);
	case VKSYS_netctl: return sys_netctl(p, (int)a[0], (int)a[1], a[2]);
	default: return -ENOSYS;
	}
}
