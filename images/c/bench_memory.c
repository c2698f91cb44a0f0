/* Memory bandwidth and latency on a 64 MiB array: sequential fill, sequential
 * sum, dependent random reads. Usage: bench_memory [MiB] */
#include "bench.h"

int main(int argc, char **argv)
{
	long mib = bench_arg(argc, argv, 64);
	size_t n = (size_t)mib * 1024 * 1024 / sizeof(uint64_t);
	uint64_t *a = malloc(n * sizeof(uint64_t));
	if (!a) {
		printf("{\"bench\":\"c_memory\",\"error\":\"malloc failed\"}\n");
		return 1;
	}
	int64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++)
		a[i] = i * 2654435761u;
	int64_t t1 = bench_now_ns();
	uint64_t sum = 0;
	for (int rep = 0; rep < 4; rep++)
		for (size_t i = 0; i < n; i++)
			sum += a[i];
	int64_t t2 = bench_now_ns();
	/* dependent random walk: each index comes from the previous load */
	uint64_t idx = 12345, acc = 0;
	long steps = 4 * 1000 * 1000;
	for (long s = 0; s < steps; s++) {
		uint64_t v = a[idx % n];
		acc += v;
		idx = (v ^ (idx * 6364136223846793005ULL)) >> 3;
	}
	int64_t t3 = bench_now_ns();
	printf("{\"bench\":\"c_memory\",\"mib\":%ld,\"fill_ms\":%.1f,\"sum_ms\":%.1f,"
	       "\"random_ms\":%.1f,\"ms\":%.1f,\"checksum\":\"%llx\"}\n",
	       mib, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t3 - t0) / 1e6,
	       (unsigned long long)(sum ^ acc));
	free(a);
	return 0;
}
