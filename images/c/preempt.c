/* Time slices end anywhere in guest code and the guest resumes exactly where it
 * was: threads doing read-modify-write memory operations, pushes and calls are
 * switched every few milliseconds for about a second, and every count must come
 * out exact (a resumption at a stale rip repeats instructions: a counter
 * incremented twice, a return address pushed twice). A thread spinning in
 * registers, without any memory access, must not keep the others from
 * running. Usage: preempt [rounds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vkthread.h>
#include <vktest.h>

#define SLOTS 1024
#define THREADS 3

struct job {
	long rounds;
	unsigned long slots[SLOTS];
	long fib_bad;
	unsigned long copy_bad;
	unsigned char a[4096], b[4096];
};

static long fib(long n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	unsigned char *a = j->a, *b = j->b;
	for (long r = 0; r < j->rounds; r++) {
		/* `addq $1, mem`: a read-modify-write done twice would show. */
		for (long i = 0; i < SLOTS * 64; i++)
			__asm__ volatile("addq $1, %0" : "+m"(j->slots[i & (SLOTS - 1)]));
		/* Calls and returns: pushes and pops of return addresses. */
		if (fib(18) != 2584)
			j->fib_bad++;
		/* String moves. */
		memset(a, (int)(r & 0xff), sizeof j->a);
		__asm__ volatile("rep movsb" : : "S"(a), "D"(b), "c"(sizeof j->a) : "memory");
		for (unsigned i = 0; i < sizeof j->b; i++)
			if (b[i] != (unsigned char)(r & 0xff))
				j->copy_bad++;
	}
	return 0;
}

static volatile int spinner_started;

/* Spins in registers only: no load or store after the first store. */
static void *spinner(void *arg)
{
	spinner_started = 1;
	__asm__ volatile("1: inc %%rax\n\tjmp 1b" : : : "rax");
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], 0, 10) : 400;
	static struct job jobs[THREADS];
	thread_t t[THREADS];
	double t0 = now();
	for (int i = 0; i < THREADS; i++) {
		jobs[i].rounds = rounds;
		CHECK_EQ(thread_create(&t[i], worker, &jobs[i]), 0, "thread %d started", i);
	}
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(thread_join(t[i], 0), 0, "thread %d joined", i);
	vkt_note("%d threads x %ld rounds in %.2f s", THREADS, rounds, now() - t0);
	for (int i = 0; i < THREADS; i++) {
		long off = 0;
		for (int s = 0; s < SLOTS; s++)
			if (jobs[i].slots[s] != (unsigned long)rounds * 64)
				off++;
		CHECK_EQ(off, 0, "thread %d: every counter incremented exactly %ld times", i, rounds * 64);
		CHECK_EQ(jobs[i].fib_bad, 0, "thread %d: every recursive fib(18) right", i);
		CHECK_EQ(jobs[i].copy_bad, 0, "thread %d: every rep movsb copy right", i);
	}

	/* Sleeps that start late in a busy stretch of vkemu (here the sleeper's own
	 * computing; vkemu then has nothing else to run) still last their whole time. */
	int early = 0;
	long shortest = -1;
	for (int i = 0; i < 20; i++) {
		struct timespec a, b, d = {0, (1 + i % 3) * 1000000L};
		clock_gettime(CLOCK_MONOTONIC, &a);
		do
			clock_gettime(CLOCK_MONOTONIC, &b);
		while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 3000000L);
		nanosleep(&d, 0);
		clock_gettime(CLOCK_MONOTONIC, &a);
		long took = (a.tv_sec - b.tv_sec) * 1000000000L + (a.tv_nsec - b.tv_nsec);
		if (took < d.tv_nsec) {
			early++;
			if (shortest < 0 || took / 1000 < shortest)
				shortest = took / 1000;
		}
	}
	CHECK_EQ(early, 0, "20 sleeps of 1-3 ms after 3 ms of work: none ended early (the shortest took %ld us)", shortest);

	/* A thread spinning in registers for ever: this thread still gets the CPU
	 * back (its sleeps end and it runs), and exit ends the spinner with the process. */
	thread_t sp;
	CHECK_EQ(thread_create(&sp, spinner, 0), 0, "spinning thread started");
	struct timespec ms = {0, 1000000};
	int woke = 0;
	for (int i = 0; i < 20; i++) {
		nanosleep(&ms, 0);
		woke++;
	}
	CHECK(spinner_started, "the spinning thread ran");
	CHECK_EQ(woke, 20, "20 sleeps ended while a thread spins in registers");
	return vkt_done();
}
