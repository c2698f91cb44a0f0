/*
 * vkd: virtual disks on host image files (vkernel-host-abi.md §6.1).
 *
 * Before boot each -r file[:serno] is opened O_RDWR|O_DIRECT, locked with
 * flock(LOCK_EX|LOCK_NB) when it is a regular file, and sized with fstat.
 * At boot every disk gets a cothread. A request (struct bio, data in KVA)
 * is queued under the disk's mutex and the cothread woken; the cothread does
 * the host call (extpread, extpwrite, fsync) outside the lock and puts the
 * request on the done list. After every 8 completions, and whenever its
 * queue drains, it sends SIGALRM to the vCPU thread that created it; that
 * vCPU's interrupt (vkd_intr) marks the requests done and wakes their waiters.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/lwp.h>
#include <sys/syscall.h>
#include <vkthread.h>
#include "dev.h"

#define L(x) ((long)(x))
#define SERNOLEN 30		/* serial numbers keep up to 29 characters */
#define BATCH 8			/* completions per SIGALRM */

struct vkd {
	int fd, unit;
	char fname[256], serno[SERNOLEN];
	unsigned long size;
	umtx_mutex_t mtx;
	volatile int seq;		/* bumped for every new request: the cothread sleeps on it */
	struct bio *q_first, *q_last;	/* waiting for the cothread */
	struct bio *done;		/* finished, waiting for the interrupt */
	int creator;			/* LWP that gets SIGALRM */
	unsigned long nio[3], bytes[3], nerr;
};

char *vkd_opt[NVKD];
int nvkd_opt;
static struct vkd vkd[NVKD];
static int nvkd;

void vkd_open_all(void)
{
	for (int i = 0; i < nvkd_opt; i++) {
		struct vkd *d = &vkd[nvkd];
		char *serno = strchr(vkd_opt[i], ':');
		if (serno)
			*serno++ = 0;
		const char *fname = vkd_opt[i];
		struct stat st;
		int fd = open(fname, O_RDWR | O_DIRECT, 0644);
		if (fd < 0 || fstat(fd, &st) < 0)
			die(1, "Unable to open/create %s: %s", fname, strerror(errno));
		if (S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) < 0)
			die(1, "Disk image %s is already in use", fname);
		d->fd = fd;
		d->unit = nvkd++;
		strlcpy(d->fname, fname, sizeof(d->fname));
		strlcpy(d->serno, serno ? serno : "", sizeof(d->serno));
	}
}

/* Perform one request on the host. Never EINTR: cothreads block every signal, and retry anyway. */
static void vkd_doio(struct vkd *d, struct bio *b)
{
	long r;
	do {
		if (b->b_cmd == BIO_READ)
			r = __dfly_sc5(SYS_extpread, d->fd, L(b->b_data), L(b->b_bcount), 0, L(b->b_offset));
		else if (b->b_cmd == BIO_WRITE)
			r = __dfly_sc5(SYS_extpwrite, d->fd, L(b->b_data), L(b->b_bcount), 0, L(b->b_offset));
		else
			r = __dfly_sc1(SYS_fsync, d->fd);
	} while (r == -EINTR);
	if (r < 0 || (b->b_cmd != BIO_FLUSH && (unsigned long)r != b->b_bcount)) {
		b->b_hosterr = r < 0 ? (int)-r : 0;	/* 0: a short transfer */
		b->b_error = EIO;
		d->nerr++;
	}
	d->nio[b->b_cmd]++;
	d->bytes[b->b_cmd] += b->b_bcount;
}

static void *vkd_thread(void *arg)
{
	struct vkd *d = arg;
	int batch = 0;
	cothread_init();
	umtx_mutex_lock(&d->mtx);
	for (;;) {
		struct bio *b = d->q_first;
		if (!b) {
			int seq = d->seq;
			umtx_mutex_unlock(&d->mtx);
			__dfly_sc3(SYS_umtx_sleep, L(&d->seq), seq, 1000000);
			umtx_mutex_lock(&d->mtx);
			continue;
		}
		d->q_first = b->b_next;
		if (!d->q_first)
			d->q_last = 0;
		umtx_mutex_unlock(&d->mtx);
		vkd_doio(d, b);
		umtx_mutex_lock(&d->mtx);
		b->b_next = d->done;
		d->done = b;
		if (++batch == BATCH || !d->q_first) {
			lwp_kill(-1, d->creator, SIGALRM);
			batch = 0;
		}
	}
	return 0;
}

void vkd_attach_all(void)
{
	for (int i = 0; i < nvkd; i++) {
		struct vkd *d = &vkd[i];
		struct stat st;
		if (fstat(d->fd, &st) == 0)
			d->size = (unsigned long)st.st_size;
		if (d->size == 0) {		/* a device: its size is where lseek(SEEK_END) lands */
			long end = lseek(d->fd, 0, SEEK_END);
			d->size = end < 0 ? 0 : (unsigned long)end;
		}
		d->creator = mycpu()->gd_tid;
		if (cothread_start(vkd_thread, d) != 0)
			panic("vkd%d: cannot start its cothread", i);
		kprintf("vkd%d: <%s> %lu sectors of %d bytes%s%s\n", i, d->fname, d->size / VKD_SECSIZE,
		        VKD_SECSIZE, d->serno[0] ? ", serial " : "", d->serno);
	}
}

int vkd_count(void) { return nvkd; }
unsigned long vkd_size(int unit) { return unit >= 0 && unit < nvkd ? vkd[unit].size : 0; }

/* The completion interrupt (SIGALRM), with the kernel lock held. */
void vkd_intr(void)
{
	for (int i = 0; i < nvkd; i++) {
		struct vkd *d = &vkd[i];
		if (!d->done)
			continue;
		umtx_mutex_lock(&d->mtx);
		struct bio *b = d->done;
		d->done = 0;
		umtx_mutex_unlock(&d->mtx);
		while (b) {
			struct bio *next = b->b_next;
			int cpu = b->b_cpu;
			b->b_done = 1;		/* the waiter may return (and free b) from here on */
			cpu_kick(cpu);
			b = next;
		}
	}
}

/*
 * One request from the kernel, waited for: the caller's vCPU sleeps in
 * kwait() (the kernel lock released) until the interrupt marks it done.
 */
int vkd_io(int unit, int cmd, char *kbuf, unsigned long len, unsigned long off)
{
	if (unit < 0 || unit >= nvkd)
		return -ENXIO;
	struct vkd *d = &vkd[unit];
	if (cmd != BIO_FLUSH && (len == 0 || len > MAXXFER || len % VKD_SECSIZE || off % VKD_SECSIZE))
		return -EINVAL;
	if (cmd != BIO_FLUSH && off + len > d->size / VKD_SECSIZE * VKD_SECSIZE)
		return -EINVAL;
	struct bio b;
	memset(&b, 0, sizeof(b));
	b.b_cmd = cmd;
	b.b_data = kbuf;
	b.b_bcount = cmd == BIO_FLUSH ? 0 : len;
	b.b_offset = off;
	b.b_cpu = mycpu()->gd_cpuid;
	umtx_mutex_lock(&d->mtx);
	if (d->q_last)
		d->q_last->b_next = &b;
	else
		d->q_first = &b;
	d->q_last = &b;
	d->seq++;
	umtx_mutex_unlock(&d->mtx);
	__dfly_sc2(SYS_umtx_wakeup, L(&d->seq), 1);
	kwait(&b.b_done);
	if (b.b_error) {
		kprintf("vkd%d: %s of %lu bytes at %lu failed: %s\n", unit,
		        cmd == BIO_READ ? "read" : cmd == BIO_WRITE ? "write" : "flush", len, off,
		        b.b_hosterr ? strerror(b.b_hosterr) : "short transfer");
		return -b.b_error;
	}
	return 0;
}

int vkd_text(char *buf, unsigned long len)
{
	int o = 0;
	for (int i = 0; i < nvkd && (unsigned long)o + 1 < len; i++) {
		struct vkd *d = &vkd[i];
		o += ksnprintf(buf + o, len - (unsigned long)o,
		               "vkd%d: %lu bytes (%lu sectors of %d), serial '%s', %s\n"
		               "      %lu reads, %lu writes, %lu flushes, %lu errors\n",
		               i, d->size, d->size / VKD_SECSIZE, VKD_SECSIZE, d->serno, d->fname,
		               d->nio[BIO_READ], d->nio[BIO_WRITE], d->nio[BIO_FLUSH], d->nerr);
	}
	return o;
}
