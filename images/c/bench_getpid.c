/* System-call round trips: N getpid() calls (served inside the engine's hook),
 * N getuid() calls (a null call served by vkemu's TypeScript handlers), N/2
 * one-byte write()s to /dev/null and N/2 4 KiB pread()s of a regular file
 * (host descriptors). Usage: bench_getpid [N] */
#include <fcntl.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1000000);
	long sum = 0;
	for (int i = 0; i < 1000; i++)	/* warm up */
		sum += getpid() + (long)getuid();
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		sum += getpid();
	int64_t t1 = bench_now_ns();
	for (long i = 0; i < n; i++)
		sum += (long)getuid();
	int64_t t2 = bench_now_ns();

	int null = open("/dev/null", O_WRONLY);
	char tmp[64];
	snprintf(tmp, sizeof tmp, "/tmp/bench_getpid.%ld", (long)getpid());
	int file = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	static char page[4096];
	if (null < 0 || file < 0 || write(file, page, sizeof page) != sizeof page) {
		perror("bench_getpid: /dev/null or a file in /tmp");
		return 1;
	}
	unlink(tmp);
	long nio = n / 2 > 0 ? n / 2 : 1;
	int64_t t3 = bench_now_ns();
	for (long i = 0; i < nio; i++)
		sum += write(null, "x", 1);
	int64_t t4 = bench_now_ns();
	for (long i = 0; i < nio; i++)
		sum += pread(file, page, sizeof page, 0);
	int64_t t5 = bench_now_ns();
	printf("{\"bench\":\"getpid\",\"ns_per_call\":%.1f,\"getuid_ns\":%.1f,\"write_ns\":%.1f,\"pread_ns\":%.1f,\"calls\":%ld,\"check\":%d}\n",
	       (double)(t1 - t0) / (double)n, (double)(t2 - t1) / (double)n, (double)(t4 - t3) / (double)nio,
	       (double)(t5 - t4) / (double)nio, n, sum != 0);
	return 0;
}
