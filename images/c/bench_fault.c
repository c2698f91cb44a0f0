/* Demand-paging cost: touch every page of a fresh anonymous mapping once.
 * Usage: bench_fault [pages] */
#include <sys/mman.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long pages = bench_arg(argc, argv, 32768);
	size_t len = (size_t)pages * 4096;
	volatile char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	if (p == MAP_FAILED) {
		printf("{\"bench\":\"page_fault\",\"error\":\"mmap failed\"}\n");
		return 1;
	}
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < pages; i++)
		p[(size_t)i * 4096] = (char)i;
	int64_t t1 = bench_now_ns();
	long sum = 0;
	for (long i = 0; i < pages; i++)	/* second pass: no faults */
		sum += p[(size_t)i * 4096];
	int64_t t2 = bench_now_ns();
	printf("{\"bench\":\"page_fault\",\"pages\":%ld,\"ns_per_fault\":%.1f,"
	       "\"ns_per_touch_mapped\":%.1f,\"check\":%ld}\n",
	       pages, (double)(t1 - t0) / (double)pages, (double)(t2 - t1) / (double)pages,
	       sum & 0xff);
	munmap((void *)p, len);
	return 0;
}
