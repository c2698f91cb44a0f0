/* bench_signal: a signal sent to oneself and handled, round trip (kill + frame
 * + handler + sigreturn): the path of every vkernel interrupt (timer ticks,
 * IPIs, disk and NIC completions arrive as signals).
 * Prints {"bench":"c_signal","signal_ns":X,...}. Builds for DragonFly and Linux. */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include "bench.h"

static volatile long hits;
static void on_usr1(int s) { (void)s; hits++; }

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 100000);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, 0);
	pid_t me = getpid();
	for (int i = 0; i < 1000; i++)
		kill(me, SIGUSR1);
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		kill(me, SIGUSR1);
	int64_t t1 = bench_now_ns();
	if (hits != n + 1000) {
		printf("lost signals: %ld of %ld\n", hits, n + 1000);
		return 1;
	}
	printf("{\"bench\":\"c_signal\",\"ms\":%.3f,\"signal_ns\":%.1f,\"signals\":%ld}\n", (t1 - t0) / 1e6, (double)(t1 - t0) / n, n);
	return 0;
}
