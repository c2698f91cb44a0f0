/*
 * Event waiting: select (never rewrites the timeout), poll, kqueue/kevent on
 * pipes (EVFILT_READ with the byte count, EV_ONESHOT, udata round trip,
 * EVFILT_USER triggers).
 */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <vktest.h>

#define L(x) ((long)(x))
struct kev { unsigned long ident; short filter; unsigned short flags; unsigned fflags; long data; void *udata; };
struct pfd { int fd; short events, revents; };

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static volatile int sigio_hits;
static void on_sigio(int sig) { (void)sig; sigio_hits++; }

int main(void)
{
	int p[2];
	CHECK_EQ(pipe(p), 0, "pipe");

	unsigned long rset[16];
	struct { long sec, usec; } tv = { 0, 50000 };
	memset(rset, 0, sizeof(rset));
	rset[0] = 1UL << p[0];
	long t0 = now_ms();
	long r = __dfly_sc5(SYS_select, L(p[0] + 1), L(rset), L(0), L(0), L(&tv));
	long took = now_ms() - t0;
	CHECK_EQ(r, 0, "select on an empty pipe times out");
	CHECK(took >= 40 && took < 2000, "select waited about 50 ms (%ld ms)", took);
	CHECK(tv.sec == 0 && tv.usec == 50000, "select did not rewrite the timeout");
	CHECK_EQ(rset[0], 0, "no fd reported");

	write(p[1], "abc", 3);
	rset[0] = 1UL << p[0];
	r = __dfly_sc5(SYS_select, L(p[0] + 1), L(rset), L(0), L(0), L(&tv));
	CHECK_EQ(r, 1, "select sees the readable pipe");
	CHECK_EQ(rset[0], 1UL << p[0], "and reports its fd");

	struct pfd pf[2] = { { p[0], 1, 0 }, { p[1], 4, 0 } };
	r = __dfly_sc3(209, L(pf), L(2), L(1000));
	CHECK_EQ(r, 2, "poll: both ends ready");
	CHECK(pf[0].revents & 1, "read end has POLLIN");
	CHECK(pf[1].revents & 4, "write end has POLLOUT");

	int kq = (int)__dfly_sc0(362);
	CHECK(kq >= 0, "kqueue (%d)", kq);
	struct kev ch = { (unsigned long)p[0], -1 /* EVFILT_READ */, 0x1 | 0x10 /* ADD|ONESHOT */, 0, 0, (void *)0x1234 };
	struct kev ev[4];
	struct timespec zero = { 0, 0 };
	r = __dfly_sc6(363, L(kq), L(&ch), L(1), L(ev), L(4), L(&zero));
	CHECK_EQ(r, 1, "kevent reports the readable pipe");
	CHECK_EQ(ev[0].ident, p[0], "ident");
	CHECK_EQ(ev[0].data, 3, "data = bytes available");
	CHECK(ev[0].udata == (void *)0x1234, "udata comes back unchanged");
	r = __dfly_sc6(363, L(kq), L(0), L(0), L(ev), L(4), L(&zero));
	CHECK_EQ(r, 0, "EV_ONESHOT: gone after one report");

	struct kev user = { 7, -9 /* EVFILT_USER */, 0x1 | 0x20 /* ADD|CLEAR */, 0, 0, 0 };
	__dfly_sc6(363, L(kq), L(&user), L(1), L(0), L(0), L(0));
	struct kev trig = { 7, -9, 0, 0x01000000 /* NOTE_TRIGGER */, 0, 0 };
	r = __dfly_sc6(363, L(kq), L(&trig), L(1), L(ev), L(4), L(&zero));
	CHECK_EQ(r, 1, "EVFILT_USER fires after NOTE_TRIGGER");
	r = __dfly_sc6(363, L(kq), L(0), L(0), L(ev), L(4), L(&zero));
	CHECK_EQ(r, 0, "and EV_CLEAR resets it");

	struct timespec t50 = { 0, 50000000 };
	t0 = now_ms();
	r = __dfly_sc6(363, L(kq), L(0), L(0), L(ev), L(4), L(&t50));
	took = now_ms() - t0;
	CHECK(r == 0 && took >= 40, "kevent with a 50 ms timeout waits (%ld ms)", took);
	CHECK_EQ(__dfly_sc6(363, L(1234), L(0), L(0), L(ev), L(4), L(&zero)), -EBADF, "kevent on a bad kq -> EBADF");
	CHECK_EQ(__dfly_sc5(SYS_select, L(2000), L(rset), L(0), L(0), L(&tv)), -EINVAL, "select with nd > FD_SETSIZE -> EINVAL");
	/* EVFILT_TIMER, EVFILT_SIGNAL, EVFILT_PROC */
	int kq3 = (int)__dfly_sc0(362);
	struct kev tm = { 1, -7 /* EVFILT_TIMER */, 0x1, 0, 20 /* ms */, (void *)0x77 };
	struct timespec onesec = { 1, 0 };
	t0 = now_ms();
	r = __dfly_sc6(363, L(kq3), L(&tm), 1, L(ev), 4, L(&onesec));
	took = now_ms() - t0;
	CHECK(r == 1 && ev[0].filter == -7 && ev[0].data >= 1, "EVFILT_TIMER fires (r %ld, data %ld)", r, ev[0].data);
	CHECK(took >= 15 && took < 900, "after about 20 ms (%ld ms)", took);
	struct kev del = { 1, -7, 0x2 /* DELETE */, 0, 0, 0 };
	CHECK_EQ(__dfly_sc6(363, L(kq3), L(&del), 1, 0, 0, 0), 0, "EV_DELETE of the timer");

	signal(SIGUSR2, SIG_IGN);
	struct kev sg = { SIGUSR2, -6 /* EVFILT_SIGNAL */, 0x1, 0, 0, 0 };
	__dfly_sc6(363, L(kq3), L(&sg), 1, 0, 0, 0);
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR2);
	r = __dfly_sc6(363, L(kq3), 0, 0, L(ev), 4, L(&zero));
	CHECK(r == 1 && ev[0].ident == SIGUSR2 && ev[0].data == 2, "EVFILT_SIGNAL counts an ignored signal twice (r %ld data %ld)", r, ev[0].data);

	int child = fork();
	if (child == 0) {
		struct timespec d = { 0, 30000000 };
		nanosleep(&d, 0);
		_exit(7);
	}
	struct kev pr = { (unsigned long)child, -5 /* EVFILT_PROC */, 0x1, 0x80000000 /* NOTE_EXIT */, 0, 0 };
	r = __dfly_sc6(363, L(kq3), L(&pr), 1, L(ev), 4, L(&onesec));
	CHECK(r == 1 && ev[0].filter == -5 && ev[0].data == (7 << 8), "EVFILT_PROC NOTE_EXIT with the exit status (r %ld data 0x%lx)", r, ev[0].data);
	struct kev nopr = { 999999, -5, 0x1, 0x80000000, 0, 0 };
	CHECK_EQ(__dfly_sc6(363, L(kq3), L(&nopr), 1, 0, 0, 0), -ESRCH, "EVFILT_PROC of no process -> ESRCH");
	waitpid(child, 0, 0);

	/* SIGIO when the kqueue goes from empty to non-empty (§6.4), as the vkernel's console uses it */
	int q[2];
	pipe(q);
	int kq2 = (int)__dfly_sc0(362);
	struct kev rd = { (unsigned long)q[0], -1, 0x1 | 0x4 | 0x20 /* ADD|ENABLE|CLEAR */, 0, 0, 0 };
	__dfly_sc6(363, L(kq2), L(&rd), 1, 0, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigio;
	sigaction(SIGIO, &sa, 0);
	CHECK_EQ(fcntl(kq2, F_SETOWN, getpid()), 0, "fcntl(kq, F_SETOWN, getpid())");
	CHECK_EQ(fcntl(kq2, F_SETFL, O_ASYNC), 0, "fcntl(kq, F_SETFL, O_ASYNC)");
	CHECK_EQ(fcntl(kq2, F_GETOWN), getpid(), "F_GETOWN");
	write(q[1], "k", 1);
	struct timespec wait = { 1, 0 };
	r = nanosleep(&wait, 0);
	CHECK(sigio_hits == 1, "SIGIO arrived when the kqueue got an event (hits %d, nanosleep %ld)", sigio_hits, r);
	return vkt_done();
}
