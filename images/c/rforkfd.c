/*
 * rfork(RFPROC) without RFFDG: parent and child share one descriptor table, as
 * DragonFly's fdshare does. What one opens, closes or dup2s the other sees; the
 * child's exit leaves the table to the parent; execve gives the child its own copy
 * (the descriptors it had, none it opens later reach the parent); rfork(RFFDG) and
 * rfork(RFCFDG) without RFPROC leave the table to the other process.
 * Usage: rforkfd [scratch-dir]   (default /tmp); rforkfd exec-child FD is the exec'd child.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <vktest.h>

#define S_rfork 251
#define RFFDG (1L << 2)
#define RFPROC (1L << 4)
#define RFCFDG (1L << 12)

static long rfork_(long flags)
{
	return syscall(S_rfork, flags);
}

static int isopen(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0;
}

/* Wait for pid; its exit status, or -1. */
static int reap(long pid)
{
	int st = 0;
	if (waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* After execve: the copy still has the pipe's write end (argv[2]); fd 40 opened here stays ours. */
static int exec_child(const char *wfd)
{
	int w = 0;
	for (const char *c = wfd; *c; c++)
		w = w * 10 + (*c - '0');
	if (dup2(w, 40) != 40)
		return 3;
	return write(w, "E", 1) == 1 ? 0 : 4;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argv[2]);
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char f[512];
	snprintf(f, sizeof(f), "%s/rforkfd.txt", dir);

	int p[2];
	CHECK_EQ(pipe(p), 0, "pipe");

	/* The child opens a file and closes the pipe's read end: both show in the parent. */
	long pid = rfork_(RFPROC);
	if (pid == 0) {
		int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 30) != 30 || close(fd) != 0)
			_exit(1);
		_exit(close(p[0]) == 0 ? 0 : 2);
	}
	CHECK(pid > 0, "rfork(RFPROC) made a child (%ld)", pid);
	CHECK_EQ(reap(pid), 0, "the child opened %s as fd 30 and closed fd %d", f, p[0]);
	CHECK(isopen(30), "fd 30, opened by the child, is open in the parent");
	CHECK_EQ(write(30, "shared", 6), 6, "and writable through it");
	CHECK_ERRNO(fstat(p[0], &(struct stat){0}), EBADF, "the pipe's read end the child closed is closed here -> EBADF");
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE, "the pipe has no reader left -> EPIPE");
	close(p[1]);
	close(30);

	/* The child exits while sharing: the parent's descriptors stay open. */
	CHECK_EQ(pipe(p), 0, "a second pipe");
	pid = rfork_(RFPROC);
	if (pid == 0)
		_exit(0);
	CHECK_EQ(reap(pid), 0, "a sharing child exits");
	CHECK(write(p[1], "y", 1) == 1 && read(p[0], &(char){0}, 1) == 1, "the shared pipe still works in the parent");

	/* execve ends the sharing: the exec'd child writes through its copy, its fd 40 stays its own. */
	pid = rfork_(RFPROC);
	if (pid == 0) {
		char wfd[16];
		snprintf(wfd, sizeof(wfd), "%d", p[1]);
		char *av[] = { argv[0], "exec-child", wfd, 0 };
		execve(argv[0], av, 0);
		_exit(5);
	}
	CHECK_EQ(reap(pid), 0, "an exec'd sharing child ran");
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'E', "it wrote through the pipe it had at exec (%c)", c);
	CHECK(!isopen(40), "its dup2 onto fd 40 after exec is not in the parent's table");

	/* rfork(RFFDG) without RFPROC in a sharing child: it gets its own copy. */
	pid = rfork_(RFPROC);
	if (pid == 0) {
		if (rfork_(RFFDG) != 0)
			_exit(1);
		if (dup2(p[1], 41) != 41 || close(p[0]) != 0)
			_exit(2);
		_exit(isopen(p[1]) ? 0 : 3);
	}
	CHECK_EQ(reap(pid), 0, "a sharing child took its own copy with rfork(RFFDG)");
	CHECK(!isopen(41) && isopen(p[0]), "its dup2 and close after that are not the parent's");

	/* rfork(RFCFDG) without RFPROC in a sharing child: an empty table for it, ours untouched. */
	pid = rfork_(RFPROC);
	if (pid == 0) {
		if (rfork_(RFCFDG) != 0)
			_exit(1);
		_exit(isopen(p[0]) || isopen(1) ? 2 : 0);
	}
	CHECK_EQ(reap(pid), 0, "rfork(RFCFDG) left a sharing child without descriptors");
	CHECK(isopen(p[0]) && isopen(p[1]), "and the parent with all of its own");

	/* fork and rfork(RFPROC|RFFDG) still copy. */
	pid = rfork_(RFPROC | RFFDG);
	if (pid == 0)
		_exit(close(p[0]) == 0 ? 0 : 1);
	CHECK_EQ(reap(pid), 0, "rfork(RFPROC|RFFDG): the child closed its copy of fd %d", p[0]);
	CHECK(isopen(p[0]), "the parent's fd %d is still open", p[0]);

	unlink(f);
	return vkt_done();
}
