/* System-call round trip: N getpid() calls. Usage: bench_getpid [N] */
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1000000);
	long sum = 0;
	for (int i = 0; i < 1000; i++)	/* warm up */
		sum += getpid();
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		sum += getpid();
	int64_t t1 = bench_now_ns();
	double ns = (double)(t1 - t0) / (double)n;
	printf("{\"bench\":\"getpid\",\"ns_per_call\":%.1f,\"calls\":%ld,\"check\":%d}\n", ns, n,
	       sum != 0);
	return 0;
}
