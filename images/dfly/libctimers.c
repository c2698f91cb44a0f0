/*
 * Built against DragonFly's own libc (a built world, test/dragonfly-world.test.ts):
 * the calls of issue 11 as a program reaches them through libc. The first two
 * lines are the report of the issue: alarm(1); pause(); never came back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/utsname.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	alarm(1);
	int r = pause();
	printf("pause %d %s, alarms %d\n", r, strerror(errno), alarms);
	ualarm(100000, 0);
	pause();
	printf("ualarm: alarms %d\n", alarms);
	struct itimerval it;
	getitimer(ITIMER_REAL, &it);
	printf("getitimer %ld.%06ld\n", (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);
	errno = 0;
	printf("setitimer(3) %d %s\n", setitimer(3, &it, 0), strerror(errno));

	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, 0);
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec ts = { 1, 0 }, zero = { 0, 0 };
	r = sigtimedwait(&s, &si, &ts);
	printf("sigtimedwait %d, si_signo %d\n", r, si.si_signo);
	errno = 0;
	r = sigtimedwait(&s, &si, &zero);
	printf("sigtimedwait %d %s\n", r, strerror(errno));
	struct timespec p = { 0, 50000000 };
	printf("pselect %d\n", pselect(0, 0, 0, 0, &p, 0));

	struct utsname u;
	uname(&u);
	printf("uname %s %s %s\n", u.sysname, u.release, u.machine);
	clockid_t c;
	printf("clock_getcpuclockid %d\n", clock_getcpuclockid(0, &c));
	printf("getvfsstat %d\n", getvfsstat(0, 0, 0, 0));
	return 0;
}
