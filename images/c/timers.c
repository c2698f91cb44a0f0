/*
 * Interval timers and waiting for signals: setitimer/getitimer (ITIMER_REAL,
 * VIRTUAL, PROF), alarm/ualarm/pause, sigtimedwait/sigwaitinfo, pselect and
 * ppoll with their atomic masks; bad input: which out of range, negative and
 * out-of-range timevals, huge values, bad pointers, masks with every bit set.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <vktest.h>

#define SYS_sigtimedwait 345
#define SYS_sigwaitinfo 346
#define SYS_pselect 499
#define SYS_ppoll 543

struct pfd {
	int fd;
	short events, revents;
};

static volatile int got[64];
static volatile unsigned long spin;

static void on_sig(int sig)
{
	got[sig]++;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void catch(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(sig, &sa, 0);
}

static void mask(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, 0);
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	return (cur.__bits[(sig - 1) / 32] >> ((sig - 1) % 32)) & 1;
}

static void real_timers(void)
{
	struct itimerval it, old;

	catch(SIGALRM);
	/* The bug of issue 11: alarm(1); pause(); never woke up. */
	long t0 = now_ms();
	CHECK_EQ(alarm(1), 0, "alarm(1) with no earlier alarm returns 0");
	CHECK_ERRNO(pause(), EINTR, "pause() ends with EINTR when SIGALRM comes");
	long ms = now_ms() - t0;
	CHECK_EQ(got[SIGALRM], 1, "SIGALRM handler ran once");
	CHECK(ms >= 900 && ms <= 3000, "alarm(1) fired after %ld ms", ms);

	CHECK_EQ(alarm(5), 0, "alarm(5)");
	CHECK_EQ(alarm(0), 5, "alarm(0) returns the 5 s left (rounded up)");
	CHECK_EQ(getitimer(ITIMER_REAL, &it), 0, "getitimer after alarm(0)");
	CHECK(it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0, "the timer is disarmed");

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = 5;
	it.it_interval.tv_sec = 2;
	it.it_interval.tv_usec = 500000;
	CHECK_EQ(setitimer(ITIMER_REAL, &it, 0), 0, "setitimer REAL 5 s, interval 2.5 s");
	CHECK_EQ(getitimer(ITIMER_REAL, &old), 0, "getitimer REAL");
	CHECK(old.it_value.tv_sec == 4 || (old.it_value.tv_sec == 5 && old.it_value.tv_usec == 0),
	      "value left is just under 5 s (%ld.%06ld)", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
	CHECK(old.it_interval.tv_sec == 2 && old.it_interval.tv_usec == 500000, "interval is kept");
	memset(&it, 0, sizeof(it));
	CHECK_EQ(setitimer(ITIMER_REAL, &it, &old), 0, "disarm, reading the old value");
	CHECK(old.it_value.tv_sec >= 4 && old.it_interval.tv_sec == 2, "old value came back through ovalue");

	/* a periodic timer: three signals, 30 ms apart */
	got[SIGALRM] = 0;
	it.it_value.tv_usec = 30000;
	it.it_interval.tv_usec = 30000;
	t0 = now_ms();
	CHECK_EQ(setitimer(ITIMER_REAL, &it, 0), 0, "setitimer REAL every 30 ms");
	while (got[SIGALRM] < 3 && now_ms() - t0 < 3000)
		pause();
	ms = now_ms() - t0;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, 0);
	CHECK(got[SIGALRM] >= 3, "periodic SIGALRM came %d times", got[SIGALRM]);
	CHECK(ms >= 80 && ms < 3000, "three periods took %ld ms", ms);

	/* ualarm goes through setitimer too */
	got[SIGALRM] = 0;
	CHECK_EQ(ualarm(50000, 0), 0, "ualarm(50 ms)");
	t0 = now_ms();
	pause();
	CHECK_EQ(got[SIGALRM], 1, "ualarm's SIGALRM came after %ld ms", now_ms() - t0);

	/* values below one tick (10 ms) are rounded up to it, as DragonFly does */
	it.it_value.tv_sec = 100;
	it.it_interval.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, 0);
	getitimer(ITIMER_REAL, &old);
	CHECK_EQ(old.it_interval.tv_usec, 10000, "a 1 us interval is rounded up to 10000 us");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, 0);
}

static void cpu_timers(void)
{
	struct itimerval it;
	static const struct { int which, sig; const char *name; } t[] = {
		{ ITIMER_VIRTUAL, SIGVTALRM, "ITIMER_VIRTUAL" },
		{ ITIMER_PROF, SIGPROF, "ITIMER_PROF" },
	};
	for (int i = 0; i < 2; i++) {
		catch(t[i].sig);
		memset(&it, 0, sizeof(it));
		it.it_value.tv_usec = 50000;
		long t0 = now_ms();
		CHECK_EQ(setitimer(t[i].which, &it, 0), 0, "setitimer %s 50 ms", t[i].name);
		while (!got[t[i].sig] && now_ms() - t0 < 5000)
			for (int k = 0; k < 100000; k++)
				spin += (unsigned long)k;
		long ms = now_ms() - t0;
		CHECK_EQ(got[t[i].sig], 1, "%s posted its signal once, after %ld ms of spinning", t[i].name, ms);
		CHECK(ms >= 40, "%s did not fire early (%ld ms)", t[i].name, ms);
		getitimer(t[i].which, &it);
		CHECK(it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0, "%s is disarmed after firing", t[i].name);
	}
	/* CPU time does not pass while the process sleeps */
	got[SIGVTALRM] = 0;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 20000;
	setitimer(ITIMER_VIRTUAL, &it, 0);
	struct timespec nap = { 0, 100000000L };
	nanosleep(&nap, 0);
	CHECK_EQ(got[SIGVTALRM], 0, "ITIMER_VIRTUAL does not count 100 ms asleep");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_VIRTUAL, &it, 0);
}

static void timer_bad_input(void)
{
	struct itimerval it, old;
	memset(&it, 0, sizeof(it));
	CHECK_ERRNO(setitimer(3, &it, 0), EINVAL, "setitimer which = 3 -> EINVAL");
	CHECK_ERRNO(setitimer(-1, &it, 0), EINVAL, "setitimer which = -1 -> EINVAL");
	CHECK_ERRNO(getitimer(3, &it), EINVAL, "getitimer which = 3 -> EINVAL");
	CHECK_ERRNO(getitimer(0x7fffffff, &it), EINVAL, "getitimer which = INT_MAX -> EINVAL");
	it.it_value.tv_sec = -1;
	CHECK_ERRNO(setitimer(ITIMER_REAL, &it, 0), EINVAL, "negative tv_sec -> EINVAL");
	it.it_value.tv_sec = 0;
	it.it_value.tv_usec = -1;
	CHECK_ERRNO(setitimer(ITIMER_REAL, &it, 0), EINVAL, "negative tv_usec -> EINVAL");
	it.it_value.tv_usec = 1000000;
	CHECK_ERRNO(setitimer(ITIMER_PROF, &it, 0), EINVAL, "tv_usec = 1000000 -> EINVAL");
	it.it_value.tv_usec = 0;
	it.it_value.tv_sec = 1;
	it.it_interval.tv_usec = 2000000;
	CHECK_ERRNO(setitimer(ITIMER_REAL, &it, 0), EINVAL, "an armed timer with a bad interval -> EINVAL");
	it.it_value.tv_sec = 0;
	CHECK_EQ(setitimer(ITIMER_REAL, &it, 0), 0, "a disarming value ignores a bad interval");
	/* huge values: accepted (DragonFly has no upper bound), they just never fire here */
	it.it_interval.tv_usec = 0;
	it.it_value.tv_sec = 1000000000000000L;
	CHECK_EQ(setitimer(ITIMER_REAL, &it, 0), 0, "a 10^15 s ITIMER_REAL is accepted");
	CHECK_EQ(getitimer(ITIMER_REAL, &old), 0, "getitimer of the huge timer");
	CHECK(old.it_value.tv_sec > 999999999000000L, "it has almost all of it left (%ld s)", (long)old.it_value.tv_sec);
	it.it_value.tv_sec = 0x7fffffffffffffffL;
	CHECK_EQ(setitimer(ITIMER_VIRTUAL, &it, 0), 0, "an INT64_MAX-second ITIMER_VIRTUAL is accepted");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, 0);
	setitimer(ITIMER_VIRTUAL, &it, 0);
	CHECK_ERRNO(setitimer(ITIMER_REAL, (void *)0xdead0000, 0), EFAULT, "setitimer bad value pointer -> EFAULT");
	CHECK_ERRNO(setitimer(ITIMER_REAL, &it, (void *)0xdead0000), EFAULT, "setitimer bad ovalue pointer -> EFAULT");
	CHECK_ERRNO(getitimer(ITIMER_REAL, (void *)0xdead0000), EFAULT, "getitimer bad pointer -> EFAULT");
	CHECK_ERRNO(getitimer(ITIMER_PROF, (void *)1), EFAULT, "getitimer pointer 0x1 -> EFAULT");
	CHECK_EQ(setitimer(ITIMER_REAL, 0, &old), 0, "setitimer with no new value only reads the old one");
}

static void sigwaits(void)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 0, 0 };

	catch(SIGUSR1);
	got[SIGUSR1] = 0;
	mask(SIG_BLOCK, SIGUSR1);
	kill(getpid(), SIGUSR1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(syscall(SYS_sigtimedwait, &set, &si, &ts), SIGUSR1, "sigtimedwait takes the pending SIGUSR1");
	CHECK(si.si_signo == SIGUSR1 && si.si_pid == getpid(), "siginfo: signo %d, pid %d", si.si_signo, si.si_pid);
	CHECK_EQ(got[SIGUSR1], 0, "the handler did not run");
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, &si, &ts), EAGAIN, "nothing pending, zero timeout -> EAGAIN");
	ts.tv_nsec = 50000000L;
	long t0 = now_ms();
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, &si, &ts), EAGAIN, "50 ms timeout -> EAGAIN");
	long ms = now_ms() - t0;
	CHECK(ms >= 45 && ms < 2000, "the timeout took %ld ms", ms);
	ts.tv_nsec = 2000000000L;
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, &si, &ts), EINVAL, "tv_nsec 2e9 with nothing pending -> EINVAL");
	kill(getpid(), SIGUSR1);
	CHECK_EQ(syscall(SYS_sigtimedwait, &set, 0L, &ts), SIGUSR1, "a pending signal wins over a bad timeout (info NULL)");
	ts.tv_nsec = 0;
	ts.tv_sec = -1;
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, &si, &ts), EINVAL, "negative tv_sec -> EINVAL");
	CHECK_ERRNO(syscall(SYS_sigtimedwait, (void *)0xdead0000, &si, 0L), EFAULT, "bad set pointer -> EFAULT");
	ts.tv_sec = 0;
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, &si, (void *)0xdead0000), EFAULT, "bad timeout pointer -> EFAULT");
	kill(getpid(), SIGUSR1);
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, (void *)0xdead0000, &ts), EFAULT, "bad info pointer -> EFAULT");
	sigset_t pend;
	sigpending(&pend);
	CHECK(pend.__bits[0] & (1u << (SIGUSR1 - 1)), "the signal is pending again after the failed copy-out");
	CHECK_EQ(syscall(SYS_sigwaitinfo, &set, &si), SIGUSR1, "sigwaitinfo takes it");
	sigset_t all;
	memset(&all, 0xff, sizeof(all));
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &all, &si, &ts), EAGAIN, "a set with every bit (unknown signals too) is accepted");

	/* woken by a timer while waiting */
	mask(SIG_BLOCK, SIGALRM);
	got[SIGALRM] = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	ualarm(50000, 0);
	t0 = now_ms();
	CHECK_EQ(syscall(SYS_sigwaitinfo, &set, &si), SIGALRM, "sigwaitinfo waits for SIGALRM from ualarm");
	CHECK(si.si_signo == SIGALRM && got[SIGALRM] == 0, "took it without the handler, after %ld ms", now_ms() - t0);
	CHECK(blocked(SIGALRM), "SIGALRM is still blocked afterwards");
	mask(SIG_UNBLOCK, SIGALRM);
	/* another unblocked signal interrupts the wait */
	catch(SIGUSR2);
	got[SIGUSR2] = 0;
	ualarm(30000, 0);
	ts.tv_sec = 2;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_ERRNO(syscall(SYS_sigtimedwait, &set, &si, &ts), EINTR, "an unblocked SIGALRM interrupts sigtimedwait -> EINTR");
	CHECK_EQ(got[SIGALRM], 1, "and its handler ran");
	mask(SIG_UNBLOCK, SIGUSR1);
}

static void pselects(void)
{
	sigset_t unblock, cur;
	struct timespec ts = { 1, 0 };
	catch(SIGUSR1);
	got[SIGUSR1] = 0;
	mask(SIG_BLOCK, SIGUSR1);
	kill(getpid(), SIGUSR1);
	CHECK_EQ(got[SIGUSR1], 0, "SIGUSR1 waits blocked");
	sigprocmask(SIG_BLOCK, 0, &cur);
	unblock = cur;
	unblock.__bits[0] &= ~(1u << (SIGUSR1 - 1));
	long t0 = now_ms();
	CHECK_ERRNO(syscall(SYS_pselect, 0L, 0L, 0L, 0L, &ts, &unblock), EINTR,
		    "pselect whose mask unblocks a pending SIGUSR1 -> EINTR at once");
	CHECK(now_ms() - t0 < 900, "without waiting out its timeout (%ld ms)", now_ms() - t0);
	CHECK_EQ(got[SIGUSR1], 1, "the handler ran under pselect's mask");
	CHECK(blocked(SIGUSR1), "the caller's mask (SIGUSR1 blocked) is back afterwards");

	ts.tv_sec = 0;
	ts.tv_nsec = 50000000L;
	t0 = now_ms();
	CHECK_EQ(syscall(SYS_pselect, 0L, 0L, 0L, 0L, &ts, &unblock), 0L, "pselect with nothing to wait for times out -> 0");
	CHECK(now_ms() - t0 >= 45, "after its 50 ms timeout (%ld ms)", now_ms() - t0);
	CHECK(blocked(SIGUSR1), "and the mask is restored");
	int p[2];
	pipe(p);
	write(p[1], "x", 1);
	unsigned long rd = 1ul << p[0];
	CHECK_EQ(syscall(SYS_pselect, p[0] + 1, &rd, 0L, 0L, &ts, 0L), 1, "pselect sees a readable pipe");
	CHECK(rd == 1ul << p[0], "the read set names it");
	ts.tv_nsec = -1;
	CHECK_ERRNO(syscall(SYS_pselect, 0L, 0L, 0L, 0L, &ts, 0L), EINVAL, "pselect tv_nsec -1 -> EINVAL");
	ts.tv_nsec = 0;
	CHECK_ERRNO(syscall(SYS_pselect, 0L, 0L, 0L, 0L, &ts, (void *)0xdead0000), EFAULT, "pselect bad mask pointer -> EFAULT");
	CHECK_ERRNO(syscall(SYS_pselect, 0L, 0L, 0L, 0L, (void *)0xdead0000, 0L), EFAULT, "pselect bad timeout pointer -> EFAULT");
	CHECK_ERRNO(syscall(SYS_pselect, -1, 0L, 0L, 0L, &ts, 0L), EINVAL, "pselect nd -1 -> EINVAL");

	struct pfd pf = { p[0], 1, 0 };
	CHECK_EQ(syscall(SYS_ppoll, &pf, 1, &ts, 0L), 1, "ppoll sees the readable pipe");
	CHECK(pf.revents & 1, "POLLIN reported");
	kill(getpid(), SIGUSR1);
	got[SIGUSR1] = 0;
	ts.tv_sec = 1;
	struct pfd none = { -1, 0, 0 };
	t0 = now_ms();
	CHECK_ERRNO(syscall(SYS_ppoll, &none, 1, &ts, &unblock), EINTR, "ppoll with a mask unblocking a pending signal -> EINTR");
	CHECK(got[SIGUSR1] == 1 && now_ms() - t0 < 900, "handler ran, no wait");
	CHECK(blocked(SIGUSR1), "ppoll restored the mask");
	ts.tv_nsec = 1000000000L;
	CHECK_ERRNO(syscall(SYS_ppoll, &none, 1, &ts, 0L), EINVAL, "ppoll tv_nsec 1e9 -> EINVAL");
	close(p[0]);
	close(p[1]);
	mask(SIG_UNBLOCK, SIGUSR1);
}

int main(void)
{
	real_timers();
	cpu_timers();
	timer_bad_input();
	sigwaits();
	pselects();
	return vkt_done();
}
