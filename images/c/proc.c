/*
 * Processes: pipe (second descriptor in rdx), fork through __syscall (child
 * sees rdx = 1), wait4 exit statuses, a child killed by a signal.
 */
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <vktest.h>

pid_t vfork_(void);
/* vfork as libc makes it: the return address waits in a register, because the
 * child returns through (and pops) the stack the parent will use after it. */
__asm__(".globl vfork_\nvfork_:\n\tpop %rsi\n\tmov $66, %eax\n\tsyscall\n\tjc 1f\n"
        "\ttest %edx, %edx\n\tjz 2f\n\txor %eax, %eax\n2:\tpush %rsi\n\tret\n"
        "1:\tmov $-1, %rax\n\tpush %rsi\n\tret\n");

int main(void)
{
	int fds[2] = { -1, -1 };
	CHECK_EQ(pipe(fds), 0, "pipe");
	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1], "two descriptors (%d, %d)", fds[0],
	      fds[1]);
	CHECK_EQ(write(fds[1], "ping", 4), 4, "write to the pipe");
	char b[8] = { 0 };
	CHECK_EQ(read(fds[0], b, sizeof(b)), 4, "read from the pipe");
	CHECK(memcmp(b, "ping", 4) == 0, "pipe data");

	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		/* child */
		char msg[16];
		int n = snprintf(msg, sizeof(msg), "%d", getppid() == parent ? 1 : 0);
		write(fds[1], msg, (size_t)n);
		_exit(42);
	}
	CHECK(c > 0 && c != parent, "fork returns the child pid in the parent (%d)", c);
	if (c < 0)
		return vkt_done();	/* nothing else can be tested without fork */
	memset(b, 0, sizeof(b));
	CHECK_EQ(read(fds[0], b, 1), 1, "child wrote through the inherited pipe");
	CHECK_EQ(b[0], '1', "child's getppid() is the parent");
	int st = 0;
	CHECK_EQ(wait4(c, &st, 0, 0), c, "wait4 returns the child");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "exit status 42 (raw 0x%x)", st);
	CHECK_ERRNO(wait4(-1, &st, WNOHANG, 0), ECHILD, "no more children -> ECHILD (10)");

	c = fork();
	if (c == 0) {
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	CHECK_EQ(wait4(c, &st, 0, 0), c, "wait4 for the killed child");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child killed by SIGKILL (raw 0x%x)", st);

	c = fork();
	if (c == 0) {
		volatile int *p = (volatile int *)16;
		__asm__ volatile("" : "+r"(p));
		return *p;
	}
	CHECK_EQ(wait4(c, &st, 0, 0), c, "wait4 for the faulting child");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "child killed by SIGSEGV (raw 0x%x)", st);
	close(fds[0]);
	close(fds[1]);
	/* fcntl record locks between processes (struct flock: start, len, pid, type, whence) */
	{
		struct { long start, len; int pid; short type, whence; } fl = { 10, 20, 0, 3 /* F_WRLCK */, 0 };
		int lf = open("/tmp/vkemu-reclock", O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHECK_EQ(fcntl(lf, F_SETLK, (long)&fl), 0, "F_SETLK a write lock on [10, 30)");
		int child = fork();
		if (child == 0) {
			struct { long start, len; int pid; short type, whence; } q = { 0, 15, 0, 1 /* F_RDLCK */, 0 };
			int bad = 0;
			if (fcntl(lf, F_SETLK, (long)&q) != -1 || errno != EAGAIN)
				bad |= 1;
			if (fcntl(lf, F_GETLK, (long)&q) != 0 || q.type != 3 || q.pid != getppid() || q.start != 10 || q.len != 20)
				bad |= 2;
			struct { long start, len; int pid; short type, whence; } r = { 30, 5, 0, 3, 0 };
			if (fcntl(lf, F_SETLK, (long)&r) != 0)
				bad |= 4;
			_exit(bad);
		}
		int st = 0;
		waitpid(child, &st, 0);
		CHECK_EQ(st >> 8, 0, "the child saw the lock (EAGAIN, F_GETLK with our pid) and locked a free range (bits %d)", st >> 8);
		close(lf);
		unlink("/tmp/vkemu-reclock");
	}
	{
		/* vfork: the child runs in our address space and we wait until it exits or execs. */
		volatile int shared = 0;
		pid_t c = vfork_();
		if (c == 0) {
			shared = 42;
			_exit(7);
		}
		int st = 0;
		CHECK(c > 0 && waitpid(c, &st, 0) == c && (st >> 8) == 7, "vfork child exited 7 (status 0x%x)", st);
		CHECK_EQ(shared, 42, "what the vfork child wrote is in our memory");
		c = vfork_();
		if (c == 0) {
			char *av[] = { "/nonexistent/program", 0 };
			execve(av[0], av, 0);
			shared = errno;	/* posix_spawn reports exec errors this way */
			_exit(127);
		}
		waitpid(c, &st, 0);
		CHECK_EQ(shared, ENOENT, "a failed exec's errno reaches the parent through shared memory");
	}
	return vkt_done();
}
