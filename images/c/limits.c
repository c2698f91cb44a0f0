/*
 * Resource exhaustion from inside the guest: fork until the host says no, open
 * descriptors until EMFILE, and check that vkemu answers with errors (EAGAIN,
 * EMFILE), stays up, and recovers once the resources are given back.
 * Usage: limits [MAXFORKS [MAXOPENS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <vktest.h>

int main(int argc, char **argv)
{
	/* The test runner passes a scratch directory first; numbers only count. */
	long maxforks = argc > 1 && atol(argv[1]) > 0 ? atol(argv[1]) : 10000;
	long maxopens = argc > 2 && atol(argv[2]) > 0 ? atol(argv[2]) : 100000;
	int p[2];
	CHECK_EQ(pipe(p), 0, "pipe");
	long forked = 0;
	int err = 0;
	for (; forked < maxforks; forked++) {
		pid_t c = fork();
		if (c == 0) {
			char b;
			close(p[1]);
			read(p[0], &b, 1);	/* until the parent closes its end */
			_exit(3);
		}
		if (c < 0) {
			err = errno;
			break;
		}
	}
	printf("# forked %ld children before the first error (errno %d)\n", forked, err);
	CHECK(forked >= 50, "at least 50 concurrent children (%ld)", forked);
	CHECK(forked == maxforks || err == EAGAIN, "fork stops with EAGAIN, not a crash (errno %d)", err);
	close(p[1]);
	long reaped = 0, good = 0;
	int st;
	pid_t w;
	while ((w = wait4(-1, &st, 0, 0)) > 0) {
		reaped++;
		good += WIFEXITED(st) && WEXITSTATUS(st) == 3;
	}
	CHECK_EQ(reaped, forked, "every child reaped");
	CHECK_EQ(good, forked, "every child exited with status 3");
	pid_t again = fork();
	if (again == 0)
		_exit(0);
	CHECK(again > 0 && wait4(again, &st, 0, 0) == again, "fork works again after the children are gone");

	struct rlimit rl;
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0, "getrlimit(RLIMIT_NOFILE)");
	long opened = 0;
	err = 0;
	for (; opened < maxopens; opened++) {
		if (open("/dev/null", O_RDONLY) < 0) {
			err = errno;
			break;
		}
	}
	printf("# opened %ld descriptors before EMFILE (limit %ld)\n", opened, (long)rl.rlim_cur);
	CHECK_EQ(err, EMFILE, "open stops with EMFILE");
	CHECK(opened + 4 >= (long)rl.rlim_cur, "close to RLIMIT_NOFILE (%ld of %ld)", opened, (long)rl.rlim_cur);
	closefrom(3);
	CHECK(open("/dev/null", O_RDONLY) >= 0, "open works again after closefrom");
	rl.rlim_cur = 64;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0, "setrlimit(RLIMIT_NOFILE, 64)");
	opened = 0;
	while (open("/dev/null", O_RDONLY) >= 0)
		opened++;
	CHECK(opened <= 64 && errno == EMFILE, "the lowered limit applies (%ld more)", opened);
	return vkt_done();
}
