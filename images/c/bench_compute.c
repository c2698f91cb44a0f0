/* Pure integer compute: a prime sieve plus an xorshift mixing loop (no system
 * calls inside the timed region). Usage: bench_compute [rounds] */
#include <string.h>
#include "bench.h"

#define SIEVE_N 2000000

static unsigned char composite[SIEVE_N + 1];

static long sieve(void)
{
	memset(composite, 0, sizeof(composite));
	long count = 0;
	for (long i = 2; i <= SIEVE_N; i++) {
		if (composite[i])
			continue;
		count++;
		for (long j = i * i; j <= SIEVE_N; j += i)
			composite[j] = 1;
	}
	return count;
}

static uint64_t mix(uint64_t seed, long iters)
{
	uint64_t x = seed, acc = 0;
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += (x * 0x9E3779B97F4A7C15ULL) >> 29;
		acc ^= acc << 5;
	}
	return acc;
}

int main(int argc, char **argv)
{
	long rounds = bench_arg(argc, argv, 8);
	int64_t t0 = bench_now_ns(), sieve_ns = 0, mix_ns = 0;
	uint64_t check = 0;
	for (long r = 0; r < rounds; r++) {
		int64_t a = bench_now_ns();
		check += (uint64_t)sieve();
		int64_t b = bench_now_ns();
		check ^= mix(0x1234567ULL + (uint64_t)r, 20000000);
		int64_t c = bench_now_ns();
		sieve_ns += b - a;
		mix_ns += c - b;
	}
	int64_t t1 = bench_now_ns();
	printf("{\"bench\":\"c_compute\",\"ms\":%.1f,\"sieve_ms\":%.1f,\"mix_ms\":%.1f,"
	       "\"rounds\":%ld,\"checksum\":\"%llx\"}\n",
	       (double)(t1 - t0) / 1e6, sieve_ns / 1e6, mix_ns / 1e6, rounds,
	       (unsigned long long)check);
	return 0;
}
