/* vkemu guest libc: thin wrappers over DragonFly system calls. */
#include "internal.h"
#include <stdarg.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/lwp.h>
#include <sys/random.h>
#include <sched.h>
#include <signal.h>
#include <dirent.h>

/* ---- errno ---- */

static int __vk_errno_global;
int __vk_tls_active;
struct vk_tcb __vk_main_tcb;

int *__error(void)
{
	if (!__vk_tls_active)
		return &__vk_errno_global;
	struct vk_tcb *t;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(t));
	return &t->err;
}

/* Called before the first thread is created: from now on errno is per thread. */
void __vk_tls_enable_main(void)
{
	if (__vk_tls_active)
		return;
	__vk_main_tcb.self = &__vk_main_tcb;
	__vk_main_tcb.err = __vk_errno_global;
	__vk_main_tcb.tid = (int)__dfly_sc0(SYS_lwp_gettid);
	struct tls_info ti = { &__vk_main_tcb, sizeof(__vk_main_tcb) };
	if (__dfly_sc3(SYS_set_tls_area, 0, &ti, sizeof(ti)) == 0)
		__vk_tls_active = 1;
}

/* ---- generic ---- */

long syscall(long number, ...)
{
	va_list ap;
	long a[6];
	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return __vk_ret(__dfly_sc6(number, a[0], a[1], a[2], a[3], a[4], a[5]));
}

/* ---- process ---- */

_Noreturn void _exit(int status)
{
	for (;;)
		__dfly_sc1(SYS_exit, status);
}

_Noreturn void _Exit(int status)
{
	_exit(status);
}

pid_t getpid(void) { return (pid_t)__dfly_sc0(SYS_getpid); }
pid_t getppid(void) { return (pid_t)__dfly_sc0(SYS_getppid); }
uid_t getuid(void) { return (uid_t)__dfly_sc0(SYS_getuid); }
uid_t geteuid(void) { return (uid_t)__dfly_sc0(SYS_geteuid); }
gid_t getgid(void) { return (gid_t)__dfly_sc0(SYS_getgid); }
gid_t getegid(void) { return (gid_t)__dfly_sc0(SYS_getegid); }
int issetugid(void) { return (int)__vk_ret(__dfly_sc0(SYS_issetugid)); }

pid_t fork(void)
{
	long rdx = 0;
	long r = __dfly_sc6_rdx(SYS___syscall, SYS_fork, 0, 0, 0, 0, 0, &rdx);
	if (r < 0)
		return (pid_t)__vk_ret(r);
	return rdx ? 0 : (pid_t)r;	/* rdx = 1 in the child */
}

pid_t wait4(pid_t pid, int *status, int options, void *rusage)
{
	return (pid_t)__vk_ret(__dfly_sc4(SYS_wait4, pid, status, options, rusage));
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, 0);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)__vk_ret(__dfly_sc3(SYS_execve, path, argv, envp));
}

int getrlimit(int resource, struct rlimit *rl)
{
	return (int)__vk_ret(__dfly_sc2(SYS_getrlimit, resource, rl));
}

int setrlimit(int resource, const struct rlimit *rl)
{
	return (int)__vk_ret(__dfly_sc2(SYS_setrlimit, resource, rl));
}

ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
	return __vk_ret(__dfly_sc3(SYS_getrandom, buf, len, flags));
}

int sched_yield(void) { return (int)__vk_ret(__dfly_sc0(SYS_sched_yield)); }

int getpagesize(void)
{
	if (__vk_auxv)
		for (long *a = __vk_auxv; a[0] != 0; a += 2)
			if (a[0] == 6)	/* AT_PAGESZ */
				return (int)a[1];
	return 4096;
}

/* ---- files ---- */

ssize_t read(int fd, void *buf, size_t n)
{
	return __vk_ret(__dfly_sc3(SYS_read, fd, buf, n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	return __vk_ret(__dfly_sc3(SYS_write, fd, buf, n));
}

ssize_t extpread(int fd, void *buf, size_t n, int flags, off_t off)
{
	return __vk_ret(__dfly_sc5(SYS_extpread, fd, buf, n, flags, off));
}

ssize_t extpwrite(int fd, const void *buf, size_t n, int flags, off_t off)
{
	return __vk_ret(__dfly_sc5(SYS_extpwrite, fd, buf, n, flags, off));
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return extpread(fd, buf, n, 0, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return extpwrite(fd, buf, n, 0, off);
}

int open(const char *path, int flags, ...)
{
	int mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return (int)__vk_ret(__dfly_sc3(SYS_open, path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	int mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return (int)__vk_ret(__dfly_sc4(SYS_openat, dirfd, path, flags, mode));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int close(int fd) { return (int)__vk_ret(__dfly_sc1(SYS_close, fd)); }

off_t lseek(int fd, off_t off, int whence)
{
	return __vk_ret(__dfly_syscall198(SYS_lseek, fd, 0, off, whence, 0, 0, 0));
}

int ftruncate(int fd, off_t len)
{
	return (int)__vk_ret(__dfly_syscall198(SYS_ftruncate, fd, 0, len, 0, 0, 0, 0));
}

int truncate(const char *path, off_t len)
{
	return (int)__vk_ret(
		__dfly_syscall198(SYS_truncate, (long)path, 0, len, 0, 0, 0, 0));
}

int fsync(int fd) { return (int)__vk_ret(__dfly_sc1(SYS_fsync, fd)); }
int dup(int fd) { return (int)__vk_ret(__dfly_sc1(SYS_dup, fd)); }
int dup2(int from, int to) { return (int)__vk_ret(__dfly_sc2(SYS_dup2, from, to)); }
int closefrom(int fd) { return (int)__vk_ret(__dfly_sc1(SYS_closefrom, fd)); }
int flock(int fd, int op) { return (int)__vk_ret(__dfly_sc2(SYS_flock, fd, op)); }

int pipe(int fds[2])
{
	long rdx = 0;
	long r = __dfly_sc6_rdx(SYS_pipe, 0, 0, 0, 0, 0, 0, &rdx);
	if (r < 0)
		return (int)__vk_ret(r);
	fds[0] = (int)r;
	fds[1] = (int)rdx;
	return 0;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return (int)__vk_ret(__dfly_sc3(SYS_fcntl, fd, cmd, arg));
}

int unlink(const char *path) { return (int)__vk_ret(__dfly_sc1(SYS_unlink, path)); }
int unlinkat(int dirfd, const char *path, int flags)
{
	return (int)__vk_ret(__dfly_sc3(SYS_unlinkat, dirfd, path, flags));
}
int rmdir(const char *path) { return (int)__vk_ret(__dfly_sc1(SYS_rmdir, path)); }
int mkdir(const char *path, mode_t mode)
{
	return (int)__vk_ret(__dfly_sc2(SYS_mkdir, path, mode));
}
int mkdirat(int dirfd, const char *path, mode_t mode)
{
	return (int)__vk_ret(__dfly_sc3(SYS_mkdirat, dirfd, path, mode));
}
int rename(const char *from, const char *to)
{
	return (int)__vk_ret(__dfly_sc2(SYS_rename, from, to));
}
int link(const char *from, const char *to)
{
	return (int)__vk_ret(__dfly_sc2(SYS_link, from, to));
}
int symlink(const char *target, const char *path)
{
	return (int)__vk_ret(__dfly_sc2(SYS_symlink, target, path));
}
ssize_t readlink(const char *restrict path, char *restrict buf, size_t n)
{
	return __vk_ret(__dfly_sc3(SYS_readlink, path, buf, n));
}
int chdir(const char *path) { return (int)__vk_ret(__dfly_sc1(SYS_chdir, path)); }
int fchdir(int fd) { return (int)__vk_ret(__dfly_sc1(SYS_fchdir, fd)); }
int access(const char *path, int mode)
{
	return (int)__vk_ret(__dfly_sc2(SYS_access, path, mode));
}
int chmod(const char *path, mode_t mode)
{
	return (int)__vk_ret(__dfly_sc2(SYS_chmod, path, mode));
}
mode_t umask(mode_t mask) { return (mode_t)__dfly_sc1(SYS_umask, mask); }

char *getcwd(char *buf, size_t size)
{
	long r = __dfly_sc2(SYS___getcwd, buf, size);
	if (r < 0) {
		__vk_ret(r);
		return 0;
	}
	return buf;
}

int stat(const char *restrict path, struct stat *restrict st)
{
	return (int)__vk_ret(__dfly_sc2(SYS_stat, path, st));
}
int lstat(const char *restrict path, struct stat *restrict st)
{
	return (int)__vk_ret(__dfly_sc2(SYS_lstat, path, st));
}
int fstat(int fd, struct stat *st)
{
	return (int)__vk_ret(__dfly_sc2(SYS_fstat, fd, st));
}
int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	return (int)__vk_ret(__dfly_sc4(SYS_fstatat, dirfd, path, st, flags));
}

int getdirentries(int fd, char *buf, int nbytes, long *basep)
{
	return (int)__vk_ret(__dfly_sc4(SYS_getdirentries, fd, buf, nbytes, basep));
}

int isatty(int fd)
{
	unsigned char termios[44];
	long r = __dfly_sc3(SYS_ioctl, fd, 0x402c7413L /* TIOCGETA */, termios);
	if (r < 0) {
		__vk_ret(r);
		return 0;
	}
	return 1;
}

/* ---- memory ---- */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = __dfly_syscall198(SYS_mmap, (long)addr, (long)len, prot, flags,
	                           fd, 0, off);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return MAP_FAILED;
	}
	return (void *)r;
}

int munmap(void *addr, size_t len)
{
	return (int)__vk_ret(__dfly_sc2(SYS_munmap, addr, len));
}

int mprotect(void *addr, size_t len, int prot)
{
	return (int)__vk_ret(__dfly_sc3(SYS_mprotect, addr, len, prot));
}

int madvise(void *addr, size_t len, int advice)
{
	return (int)__vk_ret(__dfly_sc3(SYS_madvise, addr, len, advice));
}

void *__vk_page_alloc(size_t len)
{
	long r = __dfly_syscall198(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
	                           MAP_ANON | MAP_PRIVATE, -1, 0, 0);
	if (r < 0 && r > -4096)
		return 0;
	return (void *)r;
}

void __vk_page_free(void *p, size_t len)
{
	__dfly_sc2(SYS_munmap, p, len);
}

/* ---- time ---- */

int clock_gettime(clockid_t id, struct timespec *ts)
{
	return (int)__vk_ret(__dfly_sc2(SYS_clock_gettime, id, ts));
}

int clock_getres(clockid_t id, struct timespec *ts)
{
	return (int)__vk_ret(__dfly_sc2(SYS_clock_getres, id, ts));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)__vk_ret(__dfly_sc2(SYS_nanosleep, req, rem));
}

int gettimeofday(struct timeval *tv, struct timezone *tz)
{
	return (int)__vk_ret(__dfly_sc2(SYS_gettimeofday, tv, tz));
}

int setitimer(int which, const struct itimerval *value, struct itimerval *ovalue)
{
	return (int)__vk_ret(__dfly_sc3(SYS_setitimer, which, value, ovalue));
}

int getitimer(int which, struct itimerval *value)
{
	return (int)__vk_ret(__dfly_sc2(SYS_getitimer, which, value));
}

/* alarm and ualarm are ITIMER_REAL, as in the BSD libc. */
unsigned alarm(unsigned seconds)
{
	struct itimerval it = { { 0, 0 }, { (time_t)seconds, 0 } }, old;
	if (setitimer(ITIMER_REAL, &it, &old) < 0)
		return (unsigned)-1;
	if (old.it_value.tv_usec)
		old.it_value.tv_sec++;
	return (unsigned)old.it_value.tv_sec;
}

useconds_t ualarm(useconds_t usecs, useconds_t interval)
{
	struct itimerval it = { { (time_t)(interval / 1000000), (suseconds_t)(interval % 1000000) },
				{ (time_t)(usecs / 1000000), (suseconds_t)(usecs % 1000000) } }, old;
	if (setitimer(ITIMER_REAL, &it, &old) < 0)
		return (useconds_t)-1;
	return (useconds_t)(old.it_value.tv_sec * 1000000 + old.it_value.tv_usec);
}

int pause(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	return sigsuspend(&cur);
}

time_t time(time_t *t)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int usleep(useconds_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
	return nanosleep(&ts, 0);
}

unsigned sleep(unsigned seconds)
{
	struct timespec ts = { seconds, 0 }, rem = { 0, 0 };
	if (nanosleep(&ts, &rem) < 0)
		return (unsigned)rem.tv_sec;
	return 0;
}

/* ---- LWPs, umtx, TLS ---- */

int lwp_create(struct lwp_params *p)
{
	return (int)__vk_ret(__dfly_sc1(SYS_lwp_create, p));
}

int lwp_create2(struct lwp_params *p, const void *cpumask)
{
	return (int)__vk_ret(__dfly_sc2(SYS_lwp_create2, p, cpumask));
}

lwpid_t lwp_gettid(void) { return (lwpid_t)__dfly_sc0(SYS_lwp_gettid); }

int lwp_kill(pid_t pid, lwpid_t tid, int sig)
{
	return (int)__vk_ret(__dfly_sc3(SYS_lwp_kill, pid, tid, sig));
}

_Noreturn void extexit(int how, int status, void *addr)
{
	__dfly_sc3(SYS_extexit, how, status, addr);
	for (;;)	/* only reached if the store faulted */
		__dfly_sc1(SYS_exit, 127);
}

int extexit_err(int how, int status, void *addr)
{
	return (int)__dfly_sc3(SYS_extexit, how, status, addr);
}

int set_tls_area(int which, struct tls_info *info, size_t infosize)
{
	return (int)__vk_ret(__dfly_sc3(SYS_set_tls_area, which, info, infosize));
}

int get_tls_area(int which, struct tls_info *info, size_t infosize)
{
	return (int)__vk_ret(__dfly_sc3(SYS_get_tls_area, which, info, infosize));
}

int umtx_sleep(volatile const int *ptr, int value, int timeout_us)
{
	return (int)__vk_ret(__dfly_sc3(SYS_umtx_sleep, ptr, value, timeout_us));
}

int umtx_wakeup(volatile const int *ptr, int count)
{
	return (int)__vk_ret(__dfly_sc2(SYS_umtx_wakeup, ptr, count));
}
