/*
 * Terminal signals: vkemu passes what the user's terminal sends (SIGWINCH on a
 * resize, SIGINT on ^C) to the guest's foreground process group, so both a
 * process and its forked child (same group) see them. The test sends the
 * signals to vkemu itself once "ready" is printed.
 */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static volatile int winch, intr;
static void on_winch(int s) { (void)s; winch++; }
static void on_int(int s) { (void)s; intr++; }

static void wait_both(const char *who)
{
	struct timespec ts = { 0, 10000000 };
	for (int i = 0; i < 1000 && !(winch && intr); i++)
		nanosleep(&ts, 0);
	printf("%s got winch=%d int=%d\n", who, winch > 0, intr > 0);
	fflush(stdout);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, 0);
	sa.sa_handler = on_int;
	sigaction(SIGINT, &sa, 0);
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		write(p[1], "x", 1);
		wait_both("child");
		_exit(0);
	}
	char b;
	read(p[0], &b, 1);	/* the child has its handlers */
	printf("ready\n");
	fflush(stdout);
	wait_both("parent");
	int st;
	wait4(c, &st, 0, 0);
	return 0;
}
