/*
 * A program for the GDB stub tests (test/gdb.test.ts): functions to break
 * on and step through, a global to watch, worker threads parked at a known
 * place, and a loop to interrupt. Built without optimisation so that lines
 * and variables are where gdb expects them.
 *
 *   gdb_demo basic     compute, bump a watched counter, exit 0
 *   gdb_demo threads   3 workers park in worker_park() until main releases them
 *   gdb_demo loop      spin until `stop_loop` is set (from gdb), exit 3
 *   gdb_demo finish    print "finished" and exit 42 (detach test)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <vkthread.h>

#ifdef __clang__
#pragma clang optimize off
#endif

volatile long counter;
volatile int stop_loop;
volatile int started, release_workers;
int results[3];
long spins;

int square(int x)
{
	int y = x * x;
	return y;
}

void bump(long by)
{
	counter += by;
}

int compute(int n)
{
	int sum = 0;
	for (int i = 1; i <= n; i++)
		sum += square(i);
	return sum;
}

void worker_park(int id)
{
	struct timespec ts = { 0, 1000000 };
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (!release_workers)
		nanosleep(&ts, 0);
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	worker_park(id);
	results[id] = compute(10 + id);
	return 0;
}

void all_parked(void)
{
	printf("all %d workers parked\n", started);
}

static int threads(void)
{
	thread_t t[3];
	struct timespec ts = { 0, 1000000 };
	for (long i = 0; i < 3; i++)
		thread_create(&t[i], worker, (void *)i);
	while (started < 3)
		nanosleep(&ts, 0);
	all_parked();
	release_workers = 1;
	for (int i = 0; i < 3; i++)
		thread_join(t[i], 0);
	printf("results %d %d %d\n", results[0], results[1], results[2]);
	return 0;
}

void spin(void)
{
	spins++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "basic";
	if (!strcmp(mode, "threads"))
		return threads();
	if (!strcmp(mode, "loop")) {
		while (!stop_loop)
			spin();
		printf("loop ended\n");
		return 3;
	}
	if (!strcmp(mode, "flags")) {
		/* gdb_demo flags: the TF bit as pushf sees it (0, even when gdb steps over the pushf). */
		unsigned long read_flags(void);
		printf("flags tf=%lu\n", read_flags() & 0x100);
		return 0;
	}
	if (!strcmp(mode, "finish")) {
		int r = compute(3);
		printf("finished %d\n", r);
		return 42;
	}
	int r = compute(5);
	bump(3);
	bump(4);
	printf("compute %d counter %ld\n", r, counter);
	return 0;
}

/* The flags as a pushf sees them: a debugger's single step must not show through (TF, 0x100). */
unsigned long read_flags(void)
{
	unsigned long f;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(f));
	return f;
}
