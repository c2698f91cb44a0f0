/*
 * Disk images as a DragonFly virtual kernel uses them (vkernel-host-abi.md 6.1):
 * open(O_RDWR|O_DIRECT), flock(LOCK_EX|LOCK_NB), extpread/extpwrite with 64-bit
 * offsets, fsync. It defines init_vkernel, so vkemu treats it as a virtual
 * kernel and checks its -r/-c/-I options before it starts.
 *
 *   diskio [-r file[:serno]]... [-c file]... MODE [ARG]
 *   big          disk 0 (> 4 GiB, sparse): writes and reads back at high offsets, fsync
 *   hold SECS    opens and locks every disk like the vkernel, prints "locked", sleeps
 *   lock         disk 0 is expected to be locked by someone else: flock gives EAGAIN
 *   sync         writes a pattern at 0 and 1 MiB, fsyncs, prints "synced", sleeps 30 s
 *   full         writes 64 KiB blocks to disk 0 until the host file system is full
 *   rdonly PATH  PATH (not a -r option) is on a read-only file system
 *   cd           CD 0 opened O_RDONLY|O_DIRECT: reads work, writes fail with EBADF
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <vktest.h>

#define GiB (1L << 30)
#define LOCK_EX 2
#define LOCK_NB 4

static const char *disks[20], *cds[20];
static int ndisks, ncds;

/* The marker vkemu looks for: a real VKERNEL64 defines this function too. */
__attribute__((noinline, used)) void init_vkernel(void) { __asm__ volatile(""); }

/* init_disk: open read-write with O_DIRECT and take the exclusive lock. -errno on failure. */
static int open_disk(const char *arg, int lock)
{
	char name[256];
	snprintf(name, sizeof(name), "%s", arg);
	char *colon = strchr(name, ':');
	if (colon)
		*colon = 0;
	int fd = open(name, O_RDWR | O_DIRECT, 0644);
	if (fd < 0)
		return -errno;
	if (lock && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void fill(unsigned char *b, long n, long seed)
{
	for (long i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

static void big(void)
{
	int fd = open_disk(disks[0], 1);
	CHECK(fd >= 0, "open O_RDWR|O_DIRECT and flock (%d)", fd);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0, "fstat");
	CHECK(st.st_size > 4 * GiB, "image larger than 4 GiB (%ld)", (long)st.st_size);
	static unsigned char w[8192], r[8192];
	/* (offset, length): sector-aligned like the vkernel, and deliberately not (O_DIRECT must be gone). */
	long at[][2] = { { 4 * GiB + 512, 4096 }, { 5 * GiB - 3, 100 }, { (long)st.st_size - 512, 512 }, { 4 * GiB - 256, 512 } };
	for (int i = 0; i < 4; i++) {
		fill(w, at[i][1], i + 1);
		long n = extpwrite(fd, w, at[i][1], 0, at[i][0]);
		CHECK_EQ(n, at[i][1], "extpwrite %ld bytes at %#lx", at[i][1], at[i][0]);
		memset(r, 0, sizeof(r));
		n = extpread(fd, r, at[i][1], 0, at[i][0]);
		CHECK(n == at[i][1] && memcmp(r, w, at[i][1]) == 0, "extpread at %#lx reads it back", at[i][0]);
	}
	memset(r, 0xff, 512);
	CHECK_EQ(extpread(fd, r, 512, 0, 4 * GiB + 65536), 512, "extpread in a hole");
	int zero = 1;
	for (int i = 0; i < 512; i++)
		if (r[i]) zero = 0;
	CHECK(zero, "a hole reads as zeros");
	CHECK_EQ(extpread(fd, r, 512, 0, st.st_size), 0, "extpread at the end: 0");
	CHECK_EQ(fsync(fd), 0, "fsync");
	close(fd);
}

static void hold(int secs)
{
	for (int i = 0; i < ndisks; i++) {
		int fd = open_disk(disks[i], 1);
		CHECK(fd >= 0, "disk %d open and locked (%d)", i, fd);
	}
	printf("locked\n");
	fflush(stdout);
	sleep(secs);
}

static void lock(void)
{
	CHECK_EQ(open_disk(disks[0], 1), -EAGAIN, "flock(LOCK_EX|LOCK_NB) on an image in use: EAGAIN (35)");
}

static void syncmode(void)
{
	int fd = open_disk(disks[0], 1);
	CHECK(fd >= 0, "open and lock");
	static unsigned char w[65536];
	fill(w, sizeof(w), 7);
	CHECK_EQ(extpwrite(fd, w, sizeof(w), 0, 0), (long)sizeof(w), "64 KiB at 0");
	fill(w, sizeof(w), 8);
	CHECK_EQ(extpwrite(fd, w, sizeof(w), 0, 1 << 20), (long)sizeof(w), "64 KiB at 1 MiB");
	CHECK_EQ(fsync(fd), 0, "fsync");
	printf("synced\n");
	fflush(stdout);
	sleep(30);
}

static void full(void)
{
	int fd = open_disk(disks[0], 1);
	CHECK(fd >= 0, "open and lock");
	static unsigned char w[65536];
	fill(w, sizeof(w), 3);
	long off = 0, n;
	while ((n = extpwrite(fd, w, sizeof(w), 0, off)) == (long)sizeof(w))
		off += n;
	int e = errno;
	if (n > 0) { /* a short write first, then the error */
		off += n;
		n = extpwrite(fd, w, sizeof(w), 0, off);
		e = errno;
	}
	CHECK(n == -1 && (e == ENOSPC || e == EIO), "a full host disk gives ENOSPC or EIO (n %ld, errno %d)", n, e);
	printf("wrote %ld bytes before errno %d\n", off, e);
	long s = fsync(fd);
	CHECK(s == 0 || errno == ENOSPC || errno == EIO, "fsync afterwards returns (%ld, errno %d)", s, errno);
	static unsigned char r[65536];
	CHECK_EQ(extpread(fd, r, sizeof(r), 0, 0), (long)sizeof(r), "what fit reads back");
	CHECK(memcmp(r, w, sizeof(r)) == 0, "with the data written");
	close(fd);
}

static void rdonly(const char *path)
{
	int fd = open(path, O_RDWR | O_DIRECT, 0644);
	int e = errno;
	CHECK(fd < 0 && (e == EROFS || e == EACCES), "O_RDWR|O_DIRECT on a read-only image: EROFS/EACCES (%d, errno %d)", fd, e);
	fd = open(path, O_RDONLY | O_DIRECT);
	CHECK(fd >= 0, "O_RDONLY|O_DIRECT works");
	char b[512];
	CHECK_EQ(extpread(fd, b, 512, 0, 0), 512, "read a sector");
	CHECK_ERRNO(extpwrite(fd, b, 512, 0, 0), EBADF, "writing through the read-only descriptor: EBADF");
	close(fd);
}

static void cd(void)
{
	int fd = open(cds[0], O_RDONLY | O_DIRECT, 0644);
	CHECK(fd >= 0, "CD image open O_RDONLY|O_DIRECT");
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0, "fstat");
	char b[2048];
	CHECK_EQ(extpread(fd, b, 2048, 0, 16 * 2048), 2048, "read a 2048-byte block");
	CHECK_ERRNO(extpwrite(fd, b, 2048, 0, 0), EBADF, "writes fail");
	close(fd);
}

int main(int argc, char **argv)
{
	init_vkernel();
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-r") == 0 && ndisks < 20)
			disks[ndisks++] = argv[i + 1];
		else if (strcmp(argv[i], "-c") == 0 && ncds < 20)
			cds[ncds++] = argv[i + 1];
	}
	const char *mode = i < argc ? argv[i] : "";
	const char *arg = i + 1 < argc ? argv[i + 1] : "";
	if (strcmp(mode, "big") == 0 && ndisks) big();
	else if (strcmp(mode, "hold") == 0) hold(atoi(arg));
	else if (strcmp(mode, "lock") == 0 && ndisks) lock();
	else if (strcmp(mode, "sync") == 0 && ndisks) syncmode();
	else if (strcmp(mode, "full") == 0 && ndisks) full();
	else if (strcmp(mode, "rdonly") == 0) rdonly(arg);
	else if (strcmp(mode, "cd") == 0 && ncds) cd();
	else {
		printf("usage: diskio [-r file[:serno]]... [-c file]... big|hold SECS|lock|sync|full|rdonly PATH|cd\n");
		return 64;
	}
	return vkt_done();
}
