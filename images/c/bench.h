/* Shared helpers for the benchmark programs; plain C/POSIX so the same source
 * builds for DragonFly (vkemu libc) and natively for Linux (glibc). */
#ifndef VK_BENCH_H
#define VK_BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>

static inline int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* optional first argument scales the amount of work */
static inline long bench_arg(int argc, char **argv, long dflt)
{
	if (argc > 1) {
		long v = strtol(argv[1], 0, 10);
		if (v > 0)
			return v;
	}
	return dflt;
}

#endif
