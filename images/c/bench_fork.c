/* bench_fork: fork + _exit + wait4 round trip of a small process with a
 * few MiB touched, the pattern of a shell or a vkernel supervisor.
 * Prints {"bench":"c_fork","fork_us":X,...}. Builds for DragonFly and Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 300);
	size_t touch = 4u << 20;
	char *mem = malloc(touch);
	memset(mem, 1, touch);
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(7);
		int st = 0;
		if (p < 0 || wait4(p, &st, 0, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
			printf("fork round trip %ld failed\n", i);
			return 1;
		}
	}
	int64_t t1 = bench_now_ns();
	printf("{\"bench\":\"c_fork\",\"ms\":%.3f,\"fork_us\":%.3f,\"forks\":%ld}\n",
	    (t1 - t0) / 1e6, (t1 - t0) / 1e3 / n, n);
	return mem[touch - 1] == 1 ? 0 : 1;
}
