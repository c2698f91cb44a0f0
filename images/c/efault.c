/*
 * Bad user pointers handed to system calls must produce EFAULT (14), never a
 * signal or a crash of the process: low garbage (0x1), an unmapped address
 * (0xdead0000), a PROT_NONE page, a kernel-half address, and buffers that start
 * valid and run into an inaccessible page.
 * Usage: efault [scratch-dir]
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/sysctl.h>
#include <sys/resource.h>
#include <vktest.h>

static volatile int got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[600];
	snprintf(path, sizeof(path), "%s/vkemu-efault-%d", dir, getpid());

	/* catch (and report) any signal instead of dying silently */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGSEGV, &sa, 0);
	sigaction(SIGBUS, &sa, 0);

	char *none = mmap(0, 4096, PROT_NONE, MAP_ANON | MAP_PRIVATE, -1, 0);
	/* one readable/writable page followed by an inaccessible one */
	char *two = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(none != MAP_FAILED && two != MAP_FAILED, "set up test mappings");
	mprotect(two + 4096, 4096, PROT_NONE);
	char *edge = two + 4096;

	struct {
		const char *name;
		void *p;
	} bad[] = {
		{ "0x1", (void *)0x1 },
		{ "0xdead0000", (void *)0xdead0000UL },
		{ "PROT_NONE page", none },
		{ "kernel half 0xffff800000000000", (void *)0xffff800000000000UL },
	};

	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "scratch file");
	write(fd, "0123456789abcdef", 16);

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p = bad[i].p;
		const char *n = bad[i].name;
		CHECK_ERRNO(write(fd, p, 10), EFAULT, "write from %s -> EFAULT", n);
		lseek(fd, 0, SEEK_SET);
		CHECK_ERRNO(read(fd, p, 10), EFAULT, "read into %s -> EFAULT", n);
		CHECK_ERRNO(pread(fd, p, 4, 0), EFAULT, "pread into %s -> EFAULT", n);
		CHECK_ERRNO(open((const char *)p, O_RDONLY), EFAULT, "open(path = %s) -> EFAULT", n);
		CHECK_ERRNO(stat((const char *)p, (struct stat *)two), EFAULT,
		            "stat(path = %s) -> EFAULT", n);
		CHECK_ERRNO(stat(path, (struct stat *)p), EFAULT, "stat(buf = %s) -> EFAULT", n);
		CHECK_ERRNO(clock_gettime(CLOCK_REALTIME, (struct timespec *)p), EFAULT,
		            "clock_gettime(%s) -> EFAULT", n);
		CHECK_ERRNO(clock_gettime(CLOCK_MONOTONIC, (struct timespec *)p), EFAULT,
		            "clock_gettime(MONOTONIC, %s) -> EFAULT", n);
		CHECK_ERRNO(gettimeofday((struct timeval *)p, 0), EFAULT,
		            "gettimeofday(%s) -> EFAULT", n);
		CHECK_ERRNO(nanosleep((const struct timespec *)p, 0), EFAULT,
		            "nanosleep(%s) -> EFAULT", n);
		CHECK_ERRNO(fstat(fd, (struct stat *)p), EFAULT, "fstat(%s) -> EFAULT", n);
		CHECK_ERRNO(sigaction(SIGUSR1, (const struct sigaction *)p, 0), EFAULT,
		            "sigaction(act = %s) -> EFAULT", n);
		CHECK_ERRNO(sigaction(SIGUSR1, 0, (struct sigaction *)p), EFAULT,
		            "sigaction(oact = %s) -> EFAULT", n);
		CHECK_ERRNO(sigprocmask(SIG_BLOCK, (const sigset_t *)p, 0), EFAULT,
		            "sigprocmask(set = %s) -> EFAULT", n);
		CHECK_ERRNO(getrlimit(RLIMIT_NOFILE, (struct rlimit *)p), EFAULT,
		            "getrlimit(%s) -> EFAULT", n);
		int mib[2] = { CTL_HW, HW_PAGESIZE };
		size_t len = sizeof(int);
		CHECK_ERRNO(sysctl((const int *)p, 2, two, &len, 0, 0), EFAULT,
		            "__sysctl(name = %s) -> EFAULT", n);
		len = sizeof(int);
		CHECK_ERRNO(sysctl(mib, 2, p, &len, 0, 0), EFAULT,
		            "__sysctl(old = %s) -> EFAULT", n);
		CHECK_ERRNO(sysctl(mib, 2, two, (size_t *)p, 0, 0), EFAULT,
		            "__sysctl(oldlenp = %s) -> EFAULT", n);
		CHECK_ERRNO(getcwd((char *)p, 256) ? 0 : -1, EFAULT, "__getcwd(%s) -> EFAULT", n);
		CHECK_ERRNO(mkdir((const char *)p, 0755), EFAULT, "mkdir(%s) -> EFAULT", n);
		CHECK_ERRNO(unlink((const char *)p), EFAULT, "unlink(%s) -> EFAULT", n);
	}

	/* buffers that straddle into the inaccessible page */
	CHECK_ERRNO(clock_gettime(CLOCK_REALTIME, (struct timespec *)(edge - 8)), EFAULT,
	            "timespec straddling into a PROT_NONE page -> EFAULT");
	CHECK_ERRNO(fstat(fd, (struct stat *)(edge - 64)), EFAULT,
	            "struct stat straddling into a PROT_NONE page -> EFAULT");
	memcpy(edge - 4, "/tmp", 4);	/* path without a terminator before the hole */
	CHECK_ERRNO(open(edge - 4, O_RDONLY), EFAULT,
	            "unterminated path running into a PROT_NONE page -> EFAULT");
	struct timespec *ts = (struct timespec *)(edge - sizeof(struct timespec));
	CHECK_EQ(clock_gettime(CLOCK_REALTIME, ts), 0,
	         "a timespec ending exactly at the page boundary is fine");

	CHECK_EQ(got_signal, 0, "no signal was delivered for any bad pointer");
	close(fd);
	unlink(path);
	return vkt_done();
}
