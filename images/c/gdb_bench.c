/*
 * The GDB stub benchmark's program (bench/gdb.ts), built for DragonFly and,
 * as the qemu-x86_64 -g baseline, for Linux: a loop calling tick() N times
 * (a breakpoint target), after a stretch of straight-line work to single-step.
 */
#include <stdio.h>
#include <stdlib.h>

volatile long total;

__attribute__((noinline)) void tick(long i)
{
	total += i;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	for (long i = 0; i < n; i++)
		tick(i);
	printf("gdb_bench: %ld\n", total);
	return 0;
}
