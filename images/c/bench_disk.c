/*
 * The host baseline of vkmini's disk benchmarks: the same I/O, in the same
 * order, on the same image file, done directly with pread/pwrite/fsync.
 *   bench_disk dbench FILE [MB [NRAND]]   = vkmini's `dbench U MB NRAND`
 *   bench_disk seqread FILE [MB]          = vkmini's `cdbench U MB`
 * The file is opened without O_DIRECT because vkemu does not pass O_DIRECT
 * through either (Linux alignment rules): both sides go through the page cache,
 * and both sides' flushes are fsync(2). The random offsets come from the same
 * xorshift generator with the same seed as images/vkmini/user/disk.c, so the
 * two runs touch the same blocks. Prints one JSON line with the same keys as
 * the guest's, for bench/devices.ts.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench.h"

#define CHUNK (64 * 1024)

static char buf[CHUNK];

static unsigned long rng = 88172645463325252UL;
static unsigned long rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int fail(const char *what, const char *file)
{
	printf("{\"error\":\"bench_disk: %s: %s failed\"}\n", file, what);
	return 1;
}

/* Exactly len bytes at off, or -1. */
static int xfer(int fd, int write, size_t len, unsigned long off)
{
	ssize_t r = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);
	return r == (ssize_t)len ? 0 : -1;
}

static int dbench(const char *file, unsigned long mb, unsigned long nrand)
{
	int fd = open(file, O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail("open", file);
	unsigned long size = (unsigned long)st.st_size / CHUNK * CHUNK, bytes = mb << 20;
	if (bytes > size)
		bytes = size;
	if (bytes < CHUNK)
		return fail("size check (smaller than 64 KiB)", file);
	for (int i = 0; i < CHUNK; i++)
		buf[i] = (char)(i * 7);
	int64_t t0 = bench_now_ns();
	for (unsigned long off = 0; off < bytes; off += CHUNK)
		if (xfer(fd, 1, CHUNK, off) < 0)
			return fail("sequential pwrite", file);
	if (fsync(fd) < 0)
		return fail("fsync", file);
	int64_t t1 = bench_now_ns();
	for (unsigned long off = 0; off < bytes; off += CHUNK)
		if (xfer(fd, 0, CHUNK, off) < 0)
			return fail("sequential pread", file);
	int64_t t2 = bench_now_ns();
	unsigned long blocks = bytes / 4096;
	for (unsigned long i = 0; i < nrand; i++)
		if (xfer(fd, 0, 4096, rnd() % blocks * 4096) < 0)
			return fail("random pread", file);
	int64_t t3 = bench_now_ns();
	for (unsigned long i = 0; i < nrand; i++)
		if (xfer(fd, 1, 4096, rnd() % blocks * 4096) < 0)
			return fail("random pwrite", file);
	if (fsync(fd) < 0)
		return fail("fsync", file);
	int64_t t4 = bench_now_ns();
	close(fd);
	printf("{\"bench\":\"dbench\",\"bytes\":%lu,\"nrand\":%lu,\"seq_write_ns\":%lld,\"seq_read_ns\":%lld,"
	       "\"rand_read_ns\":%lld,\"rand_write_ns\":%lld}\n", bytes, nrand, (long long)(t1 - t0),
	       (long long)(t2 - t1), (long long)(t3 - t2), (long long)(t4 - t3));
	return 0;
}

static int seqread(const char *file, unsigned long mb)
{
	int fd = open(file, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail("open", file);
	unsigned long size = (unsigned long)st.st_size / CHUNK * CHUNK;
	if (mb && (mb << 20) < size)
		size = mb << 20;
	if (size == 0)
		return fail("size check (smaller than 64 KiB)", file);
	int64_t t0 = bench_now_ns();
	for (unsigned long off = 0; off < size; off += CHUNK)
		if (xfer(fd, 0, CHUNK, off) < 0)
			return fail("sequential pread", file);
	int64_t t1 = bench_now_ns();
	close(fd);
	printf("{\"bench\":\"cdbench\",\"bytes\":%lu,\"seq_read_ns\":%lld}\n", size, (long long)(t1 - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && argc <= 5 && strcmp(argv[1], "dbench") == 0)
		return dbench(argv[2], argc > 3 ? strtoul(argv[3], 0, 0) : 16, argc > 4 ? strtoul(argv[4], 0, 0) : 2048);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "seqread") == 0)
		return seqread(argv[2], argc > 3 ? strtoul(argv[3], 0, 0) : 0);
	fprintf(stderr, "usage: bench_disk dbench FILE [MB [NRAND]] | bench_disk seqread FILE [MB]\n");
	return 2;
}
