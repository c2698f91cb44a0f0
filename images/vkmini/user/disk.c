/*
 * disk: the vkd and vcd commands. argv[0] names the command.
 *   disks                 the units, their sizes and serial numbers
 *   dwrite U BLK [N]      write the test pattern to sectors BLK.. of vkdU
 *   dread U BLK [N]       read them back and check the pattern
 *   dsync U               flush vkdU (fsync on the host)
 *   dbench U [MB [NRAND]] vkdU: sequential 64 KiB write and read, random 4 KiB read and write
 *   cdbench [U] [MB]      vcdU: sequential 64 KiB reads
 * The two benchmarks also print one JSON line with the raw counts and times, for
 * bench/devices.ts; images/c/bench_disk.c repeats the same I/O on the host.
 * The pattern of sector S on vkdU is the line "vkmini vkdU block S\n" repeated
 * over the 512 bytes (the last copy cut short), so the host can check it.
 */
#include "ulib.h"

#define SECTOR 512
#define CHUNK (64 * 1024)
#define MAXSECS 256			/* 128 KiB, the largest request */

static char buf[MAXSECS * SECTOR];

static void pattern(char *p, int unit, unsigned long sec)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "vkmini vkd%d block %lu\n", unit, sec);
	for (int i = 0; i < SECTOR; i++)
		p[i] = line[i % n];
}

/* Size in bytes of vkdU or vcdU, from the disks listing. */
static unsigned long devsize(const char *prefix, int unit)
{
	static char text[8192];
	char want[16];
	long n = devinfo(DEVINFO_DISKS, text, sizeof(text) - 1);
	if (n < 0)
		return 0;
	text[n] = 0;
	int wl = snprintf(want, sizeof(want), "%s%d: ", prefix, unit);
	for (char *l = text; *l;) {
		if (strncmp(l, want, (size_t)wl) == 0)
			return strtoul(l + wl, NULL, 10);
		while (*l && *l++ != '\n')
			;
	}
	return 0;
}

static unsigned long rng = 88172645463325252UL;
static unsigned long rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int dbench(int unit, unsigned long mb, unsigned long nrand)
{
	unsigned long size = devsize("vkd", unit);
	if (size < CHUNK) {
		printf("dbench: vkd%d: no such disk, or too small\n", unit);
		return 1;
	}
	unsigned long bytes = mb << 20;
	if (bytes > size / CHUNK * CHUNK)
		bytes = size / CHUNK * CHUNK;
	for (int i = 0; i < CHUNK; i++)
		buf[i] = (char)(i * 7);
	char a[32], b[32], c[32], d[32];
	long r = 0;
	unsigned long t0 = now_ns();
	for (unsigned long off = 0; off < bytes && r >= 0; off += CHUNK)
		r = diskio(unit, DISKIO_WRITE, buf, CHUNK, off);
	if (r >= 0)
		r = diskio(unit, DISKIO_FLUSH, 0, 0, 0);
	unsigned long t1 = now_ns();
	for (unsigned long off = 0; off < bytes && r >= 0; off += CHUNK)
		r = diskio(unit, DISKIO_READ, buf, CHUNK, off);
	unsigned long t2 = now_ns();
	unsigned long blocks = bytes / 4096;
	for (unsigned long i = 0; i < nrand && r >= 0; i++)
		r = diskio(unit, DISKIO_READ, buf, 4096, rnd() % blocks * 4096);
	unsigned long t3 = now_ns();
	for (unsigned long i = 0; i < nrand && r >= 0; i++)
		r = diskio(unit, DISKIO_WRITE, buf, 4096, rnd() % blocks * 4096);
	if (r >= 0)
		r = diskio(unit, DISKIO_FLUSH, 0, 0, 0);
	unsigned long t4 = now_ns();
	if (r < 0) {
		printf("dbench: vkd%d: %s\n", unit, errstr(r));
		return 1;
	}
	per_second(a, sizeof(a), bytes >> 10, (t1 - t0) * 1024);	/* MB/s = (KB / 1024) / s */
	per_second(b, sizeof(b), bytes >> 10, (t2 - t1) * 1024);
	per_second(c, sizeof(c), nrand, t3 - t2);
	per_second(d, sizeof(d), nrand, t4 - t3);
	printf("dbench: vkd%d, %lu MB: seq write 64k %s MB/s, seq read 64k %s MB/s, "
	       "rand read 4k %s IOPS, rand write 4k %s IOPS\n", unit, bytes >> 20, a, b, c, d);
	printf("{\"bench\":\"dbench\",\"unit\":%d,\"bytes\":%lu,\"nrand\":%lu,\"seq_write_ns\":%lu,"
	       "\"seq_read_ns\":%lu,\"rand_read_ns\":%lu,\"rand_write_ns\":%lu}\n",
	       unit, bytes, nrand, t1 - t0, t2 - t1, t3 - t2, t4 - t3);
	return 0;
}

static int cdbench(int unit, unsigned long mb)
{
	unsigned long size = devsize("vcd", unit) / CHUNK * CHUNK;
	if (mb && (mb << 20) < size)
		size = mb << 20;
	if (size == 0) {
		printf("cdbench: vcd%d: no such CD, or smaller than 64 KiB\n", unit);
		return 1;
	}
	long r = 0;
	unsigned long t0 = now_ns();
	for (unsigned long off = 0; off < size && r >= 0; off += CHUNK)
		r = diskio(FS_CD + unit, DISKIO_READ, buf, CHUNK, off);
	unsigned long t1 = now_ns();
	if (r < 0) {
		printf("cdbench: vcd%d: %s\n", unit, errstr(r));
		return 1;
	}
	char a[32];
	per_second(a, sizeof(a), size >> 10, (t1 - t0) * 1024);
	printf("cdbench: vcd%d, %lu KB: seq read 64k %s MB/s\n", unit, size >> 10, a);
	printf("{\"bench\":\"cdbench\",\"unit\":%d,\"bytes\":%lu,\"seq_read_ns\":%lu}\n", unit, size, t1 - t0);
	return 0;
}

static int dwrite(int unit, unsigned long blk, unsigned long n)
{
	if (n == 0 || n > MAXSECS) {
		printf("dwrite: 1 to %d sectors at a time\n", MAXSECS);
		return 2;
	}
	for (unsigned long i = 0; i < n; i++)
		pattern(buf + i * SECTOR, unit, blk + i);
	long r = diskio(unit, DISKIO_WRITE, buf, n * SECTOR, blk * SECTOR);
	if (r < 0) {
		printf("dwrite: vkd%d block %lu: %s\n", unit, blk, errstr(r));
		return 1;
	}
	printf("dwrite: vkd%d: %lu sectors written at block %lu\n", unit, n, blk);
	return 0;
}

static int dread(int unit, unsigned long blk, unsigned long n)
{
	static char want[SECTOR];
	if (n == 0 || n > MAXSECS) {
		printf("dread: 1 to %d sectors at a time\n", MAXSECS);
		return 2;
	}
	long r = diskio(unit, DISKIO_READ, buf, n * SECTOR, blk * SECTOR);
	if (r < 0) {
		printf("dread: vkd%d block %lu: %s\n", unit, blk, errstr(r));
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		pattern(want, unit, blk + i);
		for (int k = 0; k < SECTOR; k++)
			if (buf[i * SECTOR + k] != want[k]) {
				printf("dread: vkd%d block %lu: pattern differs at byte %d\n", unit, blk + i, k);
				return 1;
			}
	}
	int l = 0;
	while (l < 40 && buf[l] != '\n')
		l++;
	buf[l] = 0;
	printf("dread: vkd%d: %lu sectors at block %lu match the pattern (\"%s\")\n", unit, n, blk, buf);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (strcmp(cmd, "disks") == 0) {
		static char text[8192];
		long n = devinfo(DEVINFO_DISKS, text, sizeof(text));
		if (n == 0)
			printf("no disks (-r) or CDs (-c)\n");
		if (n > 0)
			write(1, text, (size_t)n);
		return n < 0;
	}
	if (strcmp(cmd, "dsync") == 0 && argc == 2) {
		long r = diskio(atoi(argv[1]), DISKIO_FLUSH, 0, 0, 0);
		if (r < 0)
			printf("dsync: vkd%s: %s\n", argv[1], errstr(r));
		else
			printf("dsync: vkd%s: flushed\n", argv[1]);
		return r < 0;
	}
	if (strcmp(cmd, "dwrite") == 0 && (argc == 3 || argc == 4))
		return dwrite(atoi(argv[1]), strtoul(argv[2], NULL, 0), argc == 4 ? strtoul(argv[3], NULL, 0) : 1);
	if (strcmp(cmd, "dread") == 0 && (argc == 3 || argc == 4))
		return dread(atoi(argv[1]), strtoul(argv[2], NULL, 0), argc == 4 ? strtoul(argv[3], NULL, 0) : 1);
	if (strcmp(cmd, "dbench") == 0 && argc >= 2 && argc <= 4)
		return dbench(atoi(argv[1]), argc >= 3 ? strtoul(argv[2], NULL, 0) : 16,
		              argc == 4 ? strtoul(argv[3], NULL, 0) : 2048);
	if (strcmp(cmd, "cdbench") == 0 && argc <= 3)
		return cdbench(argc > 1 ? atoi(argv[1]) : 0, argc == 3 ? strtoul(argv[2], NULL, 0) : 0);
	printf("usage: disks | dwrite U BLK [N] | dread U BLK [N] | dsync U | dbench U [MB [NRAND]] | cdbench [U] [MB]\n");
	return 2;
}
