/* System-call round trips: N getpid() calls (served inside the engine's hook)
 * and N getuid() calls (a null call served by vkemu's TypeScript handlers).
 * Usage: bench_getpid [N] */
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
	printf("{\"bench\":\"getpid\",\"ns_per_call\":%.1f,\"getuid_ns\":%.1f,\"calls\":%ld,\"check\":%d}\n",
	       (double)(t1 - t0) / (double)n, (double)(t2 - t1) / (double)n, n, sum != 0);
	return 0;
}
