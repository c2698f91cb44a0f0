/*
 * Threads on DragonFly LWPs: lwp_create2 initial state, per-process TIDs (main
 * thread = 1), a umtx mutex under contention, umtx_sleep results (EBUSY on a
 * changed value, EAGAIN on timeout in microseconds, 0 when woken, EINTR on a
 * signal), lwp_kill to one thread, per-thread errno through %fs, and
 * extexit(EXTEXIT_SETINT | EXTEXIT_LWP) storing the exit word.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/lwp.h>
#include <sys/syscall.h>
#include <vkthread.h>
#include <vktest.h>

static long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* ---- raw lwp_create2 ---- */

static volatile int raw_exit_word;
static volatile long raw_seen_rsp, raw_seen_ret, raw_seen_arg;
static volatile int raw_seen_tid, raw_seen_tid1, raw_usr2_blocked;
static lwpid_t raw_tid1 = -7, raw_tid2 = -7;
static char raw_stack[16384] __attribute__((aligned(64)));

void raw_thread_c(void *arg, long rsp);
/* entry stub: hand the initial rsp to C as the second argument */
__asm__(".text\n"
        "raw_entry:\n\t"
        "mov %rsp, %rsi\n\t"
        "sub $8, %rsp\n\t"	/* keep the SysV alignment of a call */
        "call raw_thread_c\n\t"
        "ud2\n");
void raw_entry(void *arg);

void raw_thread_c(void *arg, long rsp)
{
	raw_seen_arg = (long)arg;
	raw_seen_rsp = rsp;
	raw_seen_ret = *(long *)rsp;
	raw_seen_tid = lwp_gettid();
	raw_seen_tid1 = raw_tid1;
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	raw_usr2_blocked = sigismember(&cur, SIGUSR2);
	extexit(EXTEXIT_SETINT | EXTEXIT_LWP, 0x1234, (void *)&raw_exit_word);
}

static void test_raw_lwp(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);

	struct lwp_params p = {
		.lwp_func = raw_entry,
		.lwp_arg = (void *)0xabcdef,
		.lwp_stack = raw_stack + sizeof(raw_stack),
		.lwp_tid1 = &raw_tid1,
		.lwp_tid2 = &raw_tid2,
	};
	CHECK_EQ(lwp_create2(&p, 0), 0, "lwp_create2 returns 0 in the creator");
	sigprocmask(SIG_SETMASK, &old, 0);
	CHECK(raw_tid1 > 1 && raw_tid1 < 0x3FFFFFFF, "tid written to lwp_tid1 (%d)", raw_tid1);
	CHECK_EQ(raw_tid2, raw_tid1, "same tid written to lwp_tid2");

	long t0 = now_us();
	while (raw_exit_word != 0x1234 && now_us() - t0 < 3000000)
		umtx_sleep(&raw_exit_word, 0, 10000);
	CHECK_EQ(raw_exit_word, 0x1234, "extexit(SETINT|LWP, 0x1234, &word) stored the word");
	CHECK_EQ(raw_seen_arg, 0xabcdef, "new thread got lwp_arg in rdi");
	CHECK_EQ(raw_seen_rsp, (long)(raw_stack + sizeof(raw_stack) - 8),
	         "new thread starts with rsp = lwp_stack - 8");
	CHECK_EQ(raw_seen_ret, 0, "with a zero fake return address at [rsp]");
	CHECK_EQ(raw_seen_tid, raw_tid1, "lwp_gettid in the new thread matches lwp_tid1");
	CHECK_EQ(raw_seen_tid1, raw_tid1, "lwp_tid1 was written before the thread ran");
	CHECK(raw_usr2_blocked, "the new thread inherited the creator's signal mask");
	CHECK_EQ(getpid(), getpid(), "process still alive after one LWP exited");
}

/* ---- mutex under contention ---- */

static umtx_mutex_t mtx = UMTX_MUTEX_INITIALIZER;
static long counter;
#define NTHR 4
#define ITERS 100000
static volatile int tids[NTHR];

static void *adder(void *arg)
{
	int idx = (int)(long)arg;
	tids[idx] = lwp_gettid();
	for (int i = 0; i < ITERS; i++) {
		umtx_mutex_lock(&mtx);
		long v = counter;
		__asm__ volatile("" ::: "memory");	/* widen the race window */
		counter = v + 1;
		umtx_mutex_unlock(&mtx);
	}
	return (void *)(long)(idx + 100);
}

static void test_mutex(void)
{
	thread_t t[NTHR];
	for (int i = 0; i < NTHR; i++)
		CHECK_EQ(thread_create(&t[i], adder, (void *)(long)i), 0, "thread_create %d", i);
	int ok = 1;
	for (int i = 0; i < NTHR; i++) {
		void *ret = 0;
		thread_join(t[i], &ret);
		if ((long)ret != i + 100)
			ok = 0;
	}
	CHECK(ok, "all threads returned their values through join");
	CHECK_EQ(counter, (long)NTHR * ITERS, "mutex-protected counter is exact");
	int distinct = 1;
	for (int i = 0; i < NTHR; i++) {
		if (tids[i] <= 1)
			distinct = 0;
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j])
				distinct = 0;
	}
	CHECK(distinct, "thread ids are distinct and not 1 (%d %d %d %d)", tids[0], tids[1],
	      tids[2], tids[3]);
}

/* ---- umtx_sleep / umtx_wakeup ---- */

static volatile int word;
static volatile int sleeper_ready, sleeper_result, sleeper_errno;
static volatile long sleeper_us;

static void *sleeper(void *arg)
{
	sleeper_ready = 1;
	long t0 = now_us();
	int r;
	do {
		errno = 0;
		r = umtx_sleep(&word, 0, 0);
	} while (word == 0 && (r == 0 || errno == EAGAIN));
	sleeper_result = r;
	sleeper_errno = errno;
	sleeper_us = now_us() - t0;
	return 0;
}

static void test_umtx(void)
{
	word = 5;
	CHECK_ERRNO(umtx_sleep(&word, 4, 0), EBUSY, "umtx_sleep with a different value -> EBUSY (16)");
	long t0 = now_us();
	CHECK_ERRNO(umtx_sleep(&word, 5, 20000), EAGAIN,
	            "umtx_sleep times out with EAGAIN (35)");
	long dt = now_us() - t0;
	CHECK(dt >= 15000 && dt < 1500000, "20000 us timeout took %ld us (timeout is in microseconds)",
	      dt);
	CHECK_ERRNO(umtx_sleep((volatile int *)((char *)&word + 1), 5, 1000), EFAULT,
	            "misaligned umtx_sleep address -> EFAULT");
	CHECK_ERRNO(umtx_sleep(&word, 5, -1), EINVAL, "negative timeout -> EINVAL");
	CHECK_EQ(umtx_wakeup(&word, 0), 0, "umtx_wakeup with no sleepers returns 0");

	word = 0;
	thread_t t;
	thread_create(&t, sleeper, 0);
	while (!sleeper_ready)
		sched_yield();
	struct timespec d = { 0, 50 * 1000000 };
	nanosleep(&d, 0);
	word = 1;
	CHECK_EQ(umtx_wakeup(&word, 1), 0, "umtx_wakeup from another thread");
	thread_join(t, 0);
	CHECK_EQ(sleeper_result, 0, "sleeper woke with 0 (errno %d)", sleeper_errno);
	CHECK(sleeper_us >= 30000 && sleeper_us < 1500000,
	      "sleeper slept until the wakeup (%ld us)", (long)sleeper_us);
}

/* ---- lwp_kill to one thread ---- */

static volatile int handler_tid, target_ready, target_stop, target_eintr;

static void on_usr1(int sig)
{
	handler_tid = lwp_gettid();
}

static void *target(void *arg)
{
	target_ready = 1;
	while (!target_stop) {
		errno = 0;
		int r = umtx_sleep(&target_stop, 0, 500000);
		if (r < 0 && errno == EINTR)
			target_eintr++;
	}
	return 0;
}

static void test_lwp_kill(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, 0);

	thread_t t;
	thread_create(&t, target, 0);
	while (!target_ready)
		sched_yield();
	struct timespec d = { 0, 20 * 1000000 };
	nanosleep(&d, 0);
	handler_tid = 0;
	CHECK_EQ(lwp_kill(-1, thread_tid(t), SIGUSR1), 0, "lwp_kill(-1, tid, SIGUSR1)");
	long t0 = now_us();
	while (handler_tid == 0 && now_us() - t0 < 2000000)
		sched_yield();
	CHECK_EQ(handler_tid, thread_tid(t), "the handler ran on the target thread");
	CHECK_EQ(lwp_kill(-1, thread_tid(t), 0), 0, "lwp_kill signal 0 = existence check");
	CHECK_ERRNO(lwp_kill(-1, -1, SIGUSR1), EINVAL, "lwp_kill tid -1 -> EINVAL");
	CHECK_ERRNO(lwp_kill(-1, 0x3000000, SIGUSR1), ESRCH, "lwp_kill unknown tid -> ESRCH (3)");
	t0 = now_us();
	while (target_eintr == 0 && now_us() - t0 < 1000000)
		sched_yield();
	CHECK(target_eintr >= 1, "the signal interrupted the target's umtx_sleep with EINTR");
	target_stop = 1;
	umtx_wakeup(&target_stop, 0);
	thread_join(t, 0);
}

/* ---- per-thread errno ---- */

static volatile int thr_errno;

static void *errno_thread(void *arg)
{
	errno = 0;
	close(-1);
	thr_errno = errno;
	return 0;
}

static void test_errno(void)
{
	errno = 0;
	CHECK_ERRNO(open("/nonexistent/vkemu", 0), ENOENT, "main thread errno ENOENT");
	errno = ENOENT;
	thread_t t;
	thread_create(&t, errno_thread, 0);
	thread_join(t, 0);
	CHECK_EQ(thr_errno, EBADF, "thread saw its own EBADF");
	CHECK_EQ(errno, ENOENT, "main thread's errno untouched by the other thread");
}

static void *noop(void *arg)
{
	return arg;
}

static void test_many(void)
{
	int ok = 1;
	long t0 = now_us();
	for (int i = 0; i < 50; i++) {
		thread_t t;
		void *r = 0;
		if (thread_create(&t, noop, (void *)(long)i) != 0 || thread_join(t, &r) != 0 ||
		    (long)r != i)
			ok = 0;
	}
	CHECK(ok, "50 sequential create/join cycles");
	vkt_note("50 create/join cycles took %ld us", now_us() - t0);
}

int main(void)
{
	CHECK_EQ(lwp_gettid(), 1, "the main thread's tid is 1");
	test_raw_lwp();
	test_mutex();
	test_umtx();
	test_lwp_kill();
	test_errno();
	test_many();
	return vkt_done();
}
