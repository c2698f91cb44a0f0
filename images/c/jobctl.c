/*
 * Job control: stop signals stop a process (its threads stop running, its
 * blocked calls are not interrupted), the parent learns of it through
 * wait4(WUNTRACED) and SIGCHLD (unless SA_NOCLDSTOP), SIGCONT continues it
 * (wait4(WCONTINUED) reports 19, DragonFly's encoding), SIGKILL ends a stopped
 * process, and a caught SIGTSTP does not stop anything.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <vktest.h>

static volatile int chld, tstp;
static void on_chld(int s) { (void)s; chld++; }
static void on_tstp(int s) { (void)s; tstp++; }

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, 0);
}

int main(void)
{
	volatile long *counter = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, 0);

	pid_t c = fork();
	if (c == 0) {
		for (;;) {
			(*counter)++;
			nap(1);
		}
	}
	nap(30);
	CHECK_EQ(kill(c, SIGSTOP), 0, "kill SIGSTOP");
	int st = 0;
	CHECK_EQ(wait4(c, &st, WUNTRACED, 0), c, "wait4(WUNTRACED) reports the stop");
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "WIFSTOPPED, WSTOPSIG == SIGSTOP (status 0x%x)", st);
	nap(20);
	CHECK(chld >= 1, "the parent got SIGCHLD for the stop (%d)", chld);
	long a = *counter;
	nap(60);
	CHECK_EQ(*counter, a, "a stopped child does not run");
	CHECK_EQ(wait4(c, &st, WUNTRACED | WNOHANG, 0), 0, "the stop is reported once");
	CHECK_EQ(kill(c, SIGCONT), 0, "kill SIGCONT");
	CHECK_EQ(wait4(c, &st, WCONTINUED, 0), c, "wait4(WCONTINUED) reports the continue");
	CHECK(WIFCONTINUED(st), "WIFCONTINUED (status %d)", st);
	nap(40);
	CHECK(*counter > a, "the child runs again (%ld > %ld)", *counter, a);
	kill(c, SIGTSTP);
	CHECK_EQ(wait4(c, &st, WUNTRACED, 0), c, "SIGTSTP stops too");
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP, "WSTOPSIG == SIGTSTP");
	CHECK_EQ(kill(c, SIGKILL), 0, "SIGKILL to a stopped process");
	CHECK_EQ(wait4(c, &st, 0, 0), c, "it is reaped");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed by SIGKILL");

	/* A blocked read survives a stop and continue: it returns the data, not EINTR. */
	int p[2];
	pipe(p);
	pid_t r = fork();
	if (r == 0) {
		char b[8] = { 0 };
		ssize_t n = read(p[0], b, sizeof(b));
		_exit(n == 3 && !memcmp(b, "abc", 3) ? 0 : 10 + (n < 0 ? errno : 0));
	}
	nap(20);
	kill(r, SIGSTOP);
	wait4(r, &st, WUNTRACED, 0);
	kill(r, SIGCONT);
	nap(20);
	write(p[1], "abc", 3);
	pid_t w;
	while ((w = wait4(r, &st, 0, 0)) < 0 && errno == EINTR)
		;	/* our SIGCHLD handler has no SA_RESTART */
	CHECK(w == r && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the read went on after the continue (status 0x%x)", st);

	/* A caught SIGTSTP runs the handler and stops nothing; SA_NOCLDSTOP: no SIGCHLD. */
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, 0);
	kill(getpid(), SIGTSTP);
	CHECK_EQ(tstp, 1, "a caught SIGTSTP runs its handler");
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, 0);
	pid_t q = fork();
	if (q == 0) {
		for (;;)
			nap(5);
	}
	nap(20);
	int before = chld;
	kill(q, SIGSTOP);
	CHECK_EQ(wait4(q, &st, WUNTRACED, 0), q, "stop reported to wait4");
	nap(20);
	CHECK_EQ(chld, before, "SA_NOCLDSTOP: no SIGCHLD for the stop");
	kill(q, SIGKILL);
	wait4(q, &st, 0, 0);
	return vkt_done();
}
