/* Thread create+join rate and a futex/umtx ping-pong between two threads.
 * Usage: bench_threads [round-trips] */
#include "bench.h"

#ifdef __linux__
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>

typedef pthread_t bthread_t;
static int bthread_create(bthread_t *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(t, 0, fn, arg);
}
static int bthread_join(bthread_t t)
{
	return pthread_join(t, 0);
}
static void wait_while(volatile int *w, int v)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == v)
		syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, 0, 0, 0);
}
static void wake(volatile int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}
#else
#include <vkthread.h>
#include <sys/lwp.h>

typedef thread_t bthread_t;
static int bthread_create(bthread_t *t, void *(*fn)(void *), void *arg)
{
	return thread_create(t, fn, arg);
}
static int bthread_join(bthread_t t)
{
	return thread_join(t, 0);
}
static void wait_while(volatile int *w, int v)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == v)
		umtx_sleep(w, v, 0);
}
static void wake(volatile int *w)
{
	umtx_wakeup(w, 1);
}
#endif

static void *nothing(void *arg)
{
	return arg;
}

static volatile int turn;	/* 0: main's turn, 1: partner's turn */
static long rounds;

static void *partner(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		wait_while(&turn, 0);
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
		wake(&turn);
	}
	return 0;
}

int main(int argc, char **argv)
{
	rounds = bench_arg(argc, argv, 20000);
	long creates = 200;
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < creates; i++) {
		bthread_t t;
		if (bthread_create(&t, nothing, 0) != 0 || bthread_join(t) != 0) {
			printf("{\"bench\":\"threads\",\"error\":\"create/join failed\"}\n");
			return 1;
		}
	}
	int64_t t1 = bench_now_ns();

	bthread_t p;
	turn = 0;
	bthread_create(&p, partner, 0);
	int64_t t2 = bench_now_ns();
	for (long i = 0; i < rounds; i++) {
		__atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
		wake(&turn);
		wait_while(&turn, 1);
	}
	int64_t t3 = bench_now_ns();
	bthread_join(p);
	printf("{\"bench\":\"threads\",\"create_join_us\":%.1f,\"creates\":%ld,"
	       "\"pingpong_ns\":%.1f,\"round_trips\":%ld}\n",
	       (double)(t1 - t0) / 1e3 / (double)creates, creates,
	       (double)(t3 - t2) / (double)rounds, rounds);
	return 0;
}
