/*
 * The rest of the calls of issue 11: fchmodat/lchmod, fchownat, linkat, the
 * chflags family, getvfsstat, chroot, rfork, the old uname, getcpuclockid,
 * lwp_getname, lwp_{set,get}affinity, procctl, and the calls vkemu refuses
 * (mount, unmount, ptrace, revoke) with DragonFly's errno; bad flags and
 * pointers.  Usage: hostcalls [scratch-dir]   (default /tmp)
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/sysctl.h>
#include <vktest.h>

#define AT_FDCWD_ -328243L
#define AT_SYMLINK_NOFOLLOW_ 1L
#define AT_SYMLINK_FOLLOW_ 8L
#define NP ((void *)0)

enum {
	S_mount = 21, S_unmount = 22, S_ptrace = 26, S_chflags = 34, S_fchflags = 35, S_revoke = 56,
	S_chroot = 61, S_uname = 164, S_rfork = 251, S_lchmod = 274, S_lchflags = 391,
	S_getvfsstat = 503, S_fchmodat = 506, S_fchownat = 507, S_linkat = 531, S_procctl = 536,
	S_chflagsat = 537, S_lwp_setname = 542, S_lwp_setaffinity = 544, S_lwp_getaffinity = 545,
	S_getcpuclockid = 547, S_lwp_getname = 549,
};

#define RFFDG (1L << 2)
#define RFPROC (1L << 4)
#define RFMEM (1L << 5)
#define RFNOWAIT (1L << 6)
#define RFCFDG (1L << 12)
#define RFPPWAIT (1L << 31)
#define UF_NODUMP 0x1L
#define SF_ARCHIVED 0x10000L
#define UF_NOUNLINK 0x10L

static char dir[512];

static const char *at(const char *name)
{
	static char buf[4][600];
	static int k;
	k = (k + 1) & 3;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static long mode_of(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 ? (long)(st.st_mode & 07777) : -1;
}

static void touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

static void attrs(void)
{
	static char f[600], l[600];	/* at() reuses its buffers */
	strcpy(f, at("f"));
	strcpy(l, at("l"));
	touch(f);
	symlink("f", l);
	CHECK_EQ(syscall(S_fchmodat, AT_FDCWD_, f, 0600L, 0L), 0, "fchmodat(AT_FDCWD, f, 0600)");
	CHECK_EQ(mode_of(f), 0600, "mode is 0600");
	int dfd = open(dir, O_RDONLY);
	CHECK_EQ(syscall(S_fchmodat, (long)dfd, "f", 0640L, 0L), 0, "fchmodat relative to a directory descriptor");
	CHECK_EQ(mode_of(f), 0640, "mode is 0640");
	CHECK_EQ(syscall(S_fchmodat, (long)dfd, "l", 0600L, 0L), 0, "fchmodat follows a symbolic link");
	CHECK_EQ(mode_of(f), 0600, "the target's mode changed");
	CHECK_ERRNO(syscall(S_fchmodat, (long)dfd, "l", 0600L, AT_SYMLINK_NOFOLLOW_), EOPNOTSUPP,
		    "fchmodat NOFOLLOW on a link -> EOPNOTSUPP (Linux links have no mode)");
	CHECK_ERRNO(syscall(S_fchmodat, AT_FDCWD_, f, 0600L, 0x100L), EINVAL, "fchmodat unknown flag -> EINVAL");
	CHECK_ERRNO(syscall(S_fchmodat, AT_FDCWD_, (void *)0xdead0000, 0600L, 0L), EFAULT, "fchmodat bad path -> EFAULT");
	CHECK_ERRNO(syscall(S_fchmodat, 999L, "f", 0600L, 0L), EBADF, "fchmodat bad dirfd -> EBADF");
	CHECK_EQ(syscall(S_lchmod, f, 0644L), 0, "lchmod of a regular file");
	CHECK_EQ(mode_of(f), 0644, "mode is 0644");

	long uid = getuid(), gid = getgid();
	CHECK_EQ(syscall(S_fchownat, AT_FDCWD_, f, uid, gid, 0L), 0, "fchownat to our own ids");
	CHECK_EQ(syscall(S_fchownat, (long)dfd, "l", -1L, -1L, AT_SYMLINK_NOFOLLOW_), 0, "fchownat NOFOLLOW, -1/-1");
	CHECK_ERRNO(syscall(S_fchownat, AT_FDCWD_, f, -1L, -1L, 2L), EINVAL, "fchownat unknown flag -> EINVAL");
	CHECK_ERRNO(syscall(S_fchownat, AT_FDCWD_, at("nonexistent"), -1L, -1L, 0L), ENOENT, "fchownat missing file -> ENOENT");

	struct stat a, b;
	CHECK_EQ(syscall(S_linkat, (long)dfd, "f", AT_FDCWD_, at("f2"), 0L), 0, "linkat(dirfd, f, AT_FDCWD, f2)");
	stat(f, &a);
	stat(at("f2"), &b);
	CHECK(a.st_ino == b.st_ino && a.st_nlink == 2, "same inode, two links (nlink %u)", (unsigned)a.st_nlink);
	CHECK_EQ(syscall(S_linkat, (long)dfd, "l", (long)dfd, "l2", 0L), 0, "linkat of a symbolic link, no FOLLOW");
	lstat(at("l2"), &b);
	CHECK(S_ISLNK(b.st_mode), "the new name is the link itself");
	CHECK_EQ(syscall(S_linkat, (long)dfd, "l", (long)dfd, "l3", AT_SYMLINK_FOLLOW_), 0, "linkat AT_SYMLINK_FOLLOW");
	lstat(at("l3"), &b);
	CHECK(!S_ISLNK(b.st_mode) && b.st_ino == a.st_ino, "the new name is the target");
	CHECK_ERRNO(syscall(S_linkat, (long)dfd, "f", (long)dfd, "f2", 0L), EEXIST, "linkat onto an existing name -> EEXIST");
	CHECK_ERRNO(syscall(S_linkat, (long)dfd, "f", (long)dfd, "f4", 1L), EINVAL, "linkat unknown flag -> EINVAL");
	CHECK_ERRNO(syscall(S_linkat, (long)dfd, "f", (long)dfd, (void *)0xdead0000, 0L), EFAULT, "linkat bad path -> EFAULT");
	close(dfd);

	CHECK_EQ(syscall(S_chflags, f, 0L), 0, "chflags(f, 0)");
	long r = syscall(S_chflags, f, UF_NODUMP);
	int e = errno;
	CHECK(r == 0 || e == EOPNOTSUPP, "chflags UF_NODUMP: 0, or EOPNOTSUPP where the host file system has no attributes (%ld, errno %d)", r, e);
	struct stat fst;
	if (r == 0) {
		stat(f, &fst);
		CHECK_EQ(fst.st_flags, UF_NODUMP, "stat shows st_flags UF_NODUMP");
	}
	CHECK_EQ(syscall(S_chflags, f, 0L), 0, "chflags back to 0");
	stat(f, &fst);
	CHECK_EQ(fst.st_flags, 0, "st_flags is 0 again");
	/* Flags without a Linux attribute live in an extended attribute (images/c/chflags.c: across runs). */
	r = syscall(S_chflags, f, UF_NOUNLINK);
	e = errno;
	CHECK(r == 0 || e == EOPNOTSUPP, "chflags UF_NOUNLINK: 0, or EOPNOTSUPP without user extended attributes (%ld, errno %d)", r, e);
	if (r == 0) {
		stat(f, &fst);
		CHECK_EQ(fst.st_flags, UF_NOUNLINK, "stat shows st_flags UF_NOUNLINK");
		if (getuid() == 0)
			CHECK_EQ(syscall(S_chflags, f, SF_ARCHIVED), 0, "root: SF_ARCHIVED");
		else
			CHECK_ERRNO(syscall(S_chflags, f, SF_ARCHIVED), EPERM, "not root: SF_ARCHIVED -> EPERM");
	}
	CHECK_EQ(syscall(S_chflags, f, 0L), 0, "chflags back to 0");
	CHECK_ERRNO(syscall(S_chflags, at("nonexistent"), 0L), ENOENT, "chflags missing file -> ENOENT");
	CHECK_ERRNO(syscall(S_chflags, (void *)0xdead0000, 0L), EFAULT, "chflags bad path -> EFAULT");
	CHECK_EQ(syscall(S_lchflags, l, 0L), 0, "lchflags(link, 0)");
	CHECK_ERRNO(syscall(S_lchflags, l, UF_NODUMP), EOPNOTSUPP, "flags on a link itself -> EOPNOTSUPP");
	CHECK_EQ(syscall(S_chflagsat, AT_FDCWD_, f, 0L, 0L), 0, "chflagsat(AT_FDCWD, f, 0)");
	CHECK_ERRNO(syscall(S_chflagsat, AT_FDCWD_, f, 0L, 4L), EINVAL, "chflagsat unknown flag -> EINVAL");
	int fd = open(f, O_RDONLY);
	CHECK_EQ(syscall(S_fchflags, (long)fd, 0L), 0, "fchflags(fd, 0)");
	CHECK_ERRNO(syscall(S_fchflags, (long)fd, 1L << 32), EOPNOTSUPP, "fchflags with a flag above bit 31 -> EOPNOTSUPP");
	close(fd);
	CHECK_ERRNO(syscall(S_fchflags, 999L, 0L), EBADF, "fchflags bad descriptor -> EBADF");
	unlink(at("l3"));
	unlink(at("l2"));
	unlink(at("f2"));
	unlink(l);
	unlink(f);
}

static void sysinfo(void)
{
	static char sfs[320 * 2], vfs[160 * 2];
	CHECK_EQ(syscall(S_getvfsstat, NP, NP, 0L, 0L), 1, "getvfsstat count: one file system");
	CHECK_EQ(syscall(S_getvfsstat, sfs, vfs, (long)sizeof(vfs), 0L), 1, "getvfsstat fills one");
	CHECK(strcmp(sfs + 120, "/") == 0, "f_mntonname is \"/\"");
	CHECK(*(unsigned long *)vfs > 0, "statvfs f_bsize %lu", *(unsigned long *)vfs);
	CHECK_EQ(syscall(S_getvfsstat, sfs, vfs, 100L, 0L), 0, "a vbuf too small for one -> 0");
	CHECK_ERRNO(syscall(S_getvfsstat, sfs, (void *)0xdead0000, 320L, 0L), EFAULT, "getvfsstat bad vbuf -> EFAULT");

	static char uts[5][32];
	CHECK_EQ(syscall(S_uname, uts), 0, "old uname (164)");
	CHECK(strcmp(uts[0], "DragonFly") == 0, "sysname %s", uts[0]);
	CHECK(strncmp(uts[2], "5.9", 3) == 0, "release %s", uts[2]);
	CHECK(strchr(uts[3], '\n') == 0, "version is one line");
	CHECK(strcmp(uts[4], "x86_64") == 0, "machine %s", uts[4]);
	CHECK_ERRNO(syscall(S_uname, (void *)0xdead0000), EFAULT, "uname bad pointer -> EFAULT");

	unsigned long clk = 0;
	struct timespec ts;
	CHECK_EQ(syscall(S_getcpuclockid, 0L, 0L, &clk), 0, "getcpuclockid(0, 0)");
	CHECK((clk & 0x80000000UL) && (long)(clk & 0x7fffffff) == getpid(), "the clock names our pid (0x%lx)", clk);
	CHECK_EQ(syscall(SYS_clock_gettime, clk, &ts), 0, "clock_gettime on that clock");
	CHECK_EQ(syscall(S_getcpuclockid, 0L, 1L, &clk), 0, "getcpuclockid of thread 1");
	CHECK_ERRNO(syscall(S_getcpuclockid, 0L, -1L, &clk), EINVAL, "negative lwp id -> EINVAL");
	CHECK_ERRNO(syscall(S_getcpuclockid, 0L, 77L, &clk), ESRCH, "unknown lwp -> ESRCH");
	CHECK_ERRNO(syscall(S_getcpuclockid, 99999L, 0L, &clk), ESRCH, "unknown pid -> ESRCH");
	CHECK_ERRNO(syscall(S_getcpuclockid, 0L, 0L, (void *)0xdead0000), EFAULT, "bad pointer -> EFAULT");
	CHECK_ERRNO(syscall(SYS_clock_gettime, 0x80000000UL | 99999UL, &ts), EINVAL, "clock of a missing process -> EINVAL");

	char name[64];
	CHECK_EQ(syscall(S_lwp_setname, -1L, "worker"), 0, "lwp_setname(-1, \"worker\")");
	CHECK_EQ(syscall(S_lwp_getname, -1L, name, (long)sizeof(name)), 0, "lwp_getname");
	CHECK(strcmp(name, "worker") == 0, "name %s", name);
	CHECK_EQ(syscall(S_lwp_getname, 1L, name, 4L), 0, "lwp_getname into 4 bytes");
	CHECK(strcmp(name, "wor") == 0, "truncated to %s", name);
	CHECK_ERRNO(syscall(S_lwp_getname, 1L, (void *)0xdead0000, 16L), EFAULT, "lwp_getname bad buffer -> EFAULT");

	unsigned long mask[4], one[4] = { 1, 0, 0, 0 }, zero[4] = { 0, 0, 0, 0 };
	CHECK_EQ(syscall(S_lwp_getaffinity, 0L, -1L, mask), 0, "lwp_getaffinity");
	CHECK(mask[0] & 1, "CPU 0 is in the mask (0x%lx)", mask[0]);
	CHECK_EQ(syscall(S_lwp_setaffinity, 0L, 1L, one), 0, "lwp_setaffinity to CPU 0");
	CHECK_EQ(syscall(S_lwp_getaffinity, 0L, 1L, mask), 0, "read it back");
	CHECK_EQ(mask[0], 1, "the mask is CPU 0");
	CHECK_ERRNO(syscall(S_lwp_setaffinity, 0L, 1L, zero), EPERM, "an empty mask -> EPERM");
	CHECK_ERRNO(syscall(S_lwp_setaffinity, 0L, 1L, (void *)0xdead0000), EFAULT, "bad mask pointer -> EFAULT");
	CHECK_ERRNO(syscall(S_lwp_getaffinity, -1L, 1L, mask), EINVAL, "negative pid -> EINVAL");
	CHECK_ERRNO(syscall(S_lwp_getaffinity, 0L, 77L, mask), ESRCH, "unknown lwp -> ESRCH");

	static char rs[192];
	long pid = getpid();
	CHECK_EQ(syscall(S_procctl, 0L, pid, 3L, rs), 0, "procctl PROC_REAP_STATUS");
	CHECK_EQ(*(int *)(rs + 128), -1, "no children: pid_head -1");
	CHECK_EQ(syscall(S_procctl, 0L, pid, 1L, NP), 0, "PROC_REAP_ACQUIRE");
	CHECK_ERRNO(syscall(S_procctl, 0L, pid, 1L, NP), EALREADY, "acquiring again -> EALREADY");
	syscall(S_procctl, 0L, pid, 3L, rs);
	CHECK_EQ(*(unsigned *)rs & 1, 1, "REAPER_STAT_OWNED");
	CHECK_EQ(syscall(S_procctl, 0L, pid, 2L, NP), 0, "PROC_REAP_RELEASE");
	CHECK_ERRNO(syscall(S_procctl, 0L, pid, 2L, NP), ENOTCONN, "releasing again -> ENOTCONN");
	/* a reaper adopts its grandchildren when their parent exits */
	syscall(S_procctl, 0L, pid, 1L, NP);
	int pp[2], st = 0;
	pipe(pp);
	pid_t a = fork();
	if (a == 0) {
		pid_t g = fork();
		if (g == 0) {
			char c;
			read(pp[0], &c, 1);	/* until the reaper has seen our parent go */
			_exit(5);
		}
		write(pp[1], &g, sizeof(g));
		_exit(0);
	}
	pid_t g = 0;
	read(pp[0], &g, sizeof(g));
	waitpid(a, &st, 0);
	write(pp[1], "x", 1);
	CHECK_EQ(waitpid(g, &st, 0), g, "the reaper waits for its orphaned grandchild");
	CHECK_EQ(WEXITSTATUS(st), 5, "and gets its status");
	close(pp[0]);
	close(pp[1]);
	syscall(S_procctl, 0L, pid, 2L, NP);
	CHECK_ERRNO(syscall(S_procctl, 1L, pid, 3L, rs), EINVAL, "idtype other than P_PID -> EINVAL");
	CHECK_ERRNO(syscall(S_procctl, 0L, pid + 1, 3L, rs), EINVAL, "another process -> EINVAL");
	CHECK_ERRNO(syscall(S_procctl, 0L, pid, 99L, rs), EINVAL, "unknown command -> EINVAL");
	CHECK_ERRNO(syscall(S_procctl, 0L, pid, 3L, (void *)0xdead0000), EFAULT, "status to a bad pointer -> EFAULT");
}

/* rfork returns the child's pid in the parent and 0 in the child, like fork. */
static long rfork_(long flags)
{
	return syscall(S_rfork, flags);
}

static void rforks(void)
{
	int st = 0;
	long pid = rfork_(RFPROC | RFFDG);
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0, "rfork(RFPROC|RFFDG) made a child (%ld)", pid);
	CHECK_EQ(waitpid((pid_t)pid, &st, 0), pid, "wait for it");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "it exited 7 (status 0x%x)", st);

	pid = rfork_(RFPROC | RFCFDG);
	if (pid == 0) {
		/* no descriptors at all: fd 1 is gone */
		long r = syscall(SYS_write, 1L, "x", 1L);
		_exit(r < 0 && errno == EBADF ? 9 : 1);
	}
	waitpid((pid_t)pid, &st, 0);
	CHECK_EQ(WEXITSTATUS(st), 9, "rfork(RFPROC|RFCFDG): the child has no descriptors");

	pid = rfork_(RFPROC);
	if (pid == 0)
		_exit(3);
	waitpid((pid_t)pid, &st, 0);
	CHECK_EQ(WEXITSTATUS(st), 3, "rfork(RFPROC) (descriptors shared: images/c/rforkfd.c)");

	pid = rfork_(RFPROC | RFFDG | RFNOWAIT);
	if (pid == 0)
		_exit(0);
	CHECK(pid > 0, "rfork(RFNOWAIT) made a child");
	CHECK_ERRNO(waitpid((pid_t)pid, &st, 0), ECHILD, "which is not ours to wait for -> ECHILD");

	CHECK_EQ(rfork_(0), 0, "rfork(0) changes nothing and returns 0");
	CHECK_EQ(rfork_(RFFDG), 0, "rfork(RFFDG) without RFPROC: our table is already our own");
	CHECK_ERRNO(rfork_(RFPROC | RFFDG | RFCFDG), EINVAL, "RFFDG|RFCFDG -> EINVAL");
	CHECK_ERRNO(rfork_(RFPROC | RFPPWAIT), EINVAL, "RFPPWAIT is kernel-only -> EINVAL");
	CHECK_ERRNO(rfork_(RFPROC | RFMEM), EOPNOTSUPP, "RFMEM (two processes in one address space) -> EOPNOTSUPP");
}

static void chroots(void)
{
	if (getuid() != 0) {
		/* the privilege check comes first on DragonFly */
		CHECK_ERRNO(syscall(S_chroot, dir), EPERM, "chroot as an ordinary user -> EPERM");
		CHECK_ERRNO(syscall(S_chroot, (void *)0xdead0000), EPERM, "even with a bad path");
		return;
	}
	CHECK_ERRNO(syscall(S_chroot, (void *)0xdead0000), EFAULT, "chroot bad path -> EFAULT");
	CHECK_ERRNO(syscall(S_chroot, at("nonexistent")), ENOENT, "chroot to a missing directory -> ENOENT");
	touch(at("plain"));
	CHECK_ERRNO(syscall(S_chroot, at("plain")), ENOTDIR, "chroot to a file -> ENOTDIR");
	mkdir(at("jail"), 0755);
	mkdir(at("jail/sub"), 0755);
	touch(at("jail/inside"));
	int st = 0;
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (syscall(S_chroot, at("jail")) != 0)
			_exit(1);
		struct stat s;
		bad |= stat("/inside", &s) != 0;		/* found under the new root */
		bad |= (stat("/../../inside", &s) != 0) << 1;	/* '..' stops at it */
		bad |= (stat("/plain", &s) == 0) << 2;		/* the old tree is out of sight */
		bad |= (chdir("/sub") != 0) << 3;
		char cwd[256];
		bad |= (getcwd(cwd, sizeof(cwd)) == 0 || strcmp(cwd, "/sub") != 0) << 4;
		pid_t gc = fork();				/* a child keeps the root */
		if (gc == 0)
			_exit(stat("/inside", &s) == 0 && stat("/plain", &s) != 0 ? 0 : 1);
		int gst = 0;
		waitpid(gc, &gst, 0);
		bad |= (WEXITSTATUS(gst) != 0) << 5;
		_exit(bad ? 10 + bad : 0);
	}
	waitpid(pid, &st, 0);
	CHECK_EQ(WEXITSTATUS(st), 0, "chroot: paths resolve under the new root, for the process and its child");
	struct stat s;
	CHECK_EQ(stat(at("plain"), &s), 0, "the parent's root is unchanged");
	unlink(at("jail/inside"));
	rmdir(at("jail/sub"));
	rmdir(at("jail"));
	unlink(at("plain"));
}

static void devtype(void)
{
	int type = -1, fd = open("/dev/zero", O_RDONLY);
	CHECK_EQ(syscall(SYS_ioctl, (long)fd, 0x4004667aL, &type), 0, "FIODTYPE on /dev/zero");
	CHECK_EQ(type, 8, "/dev/zero is D_MEM (dd seeks on it)");
	close(fd);
	fd = open(dir, O_RDONLY);
	CHECK_ERRNO(syscall(SYS_ioctl, (long)fd, 0x4004667aL, &type), ENOTTY, "FIODTYPE on a directory -> ENOTTY");
	close(fd);
}

/* kern.proc: the process table ps reads (struct kinfo_proc, 992 bytes in DragonFly 5.9) */
static void proctable(const char *argv0)
{
	static char kp[992 * 64];
	int mib[4] = { 1, 14, 1, getpid() };
	size_t len = sizeof(kp);
	CHECK_EQ(sysctl(mib, 4, kp, &len, 0, 0), 0, "kern.proc.pid.<ours>");
	CHECK_EQ(len, 992, "one struct kinfo_proc");
	CHECK_EQ(*(int *)(kp + 220), getpid(), "kp_pid");
	CHECK_EQ(*(int *)(kp + 224), getppid(), "kp_ppid");
	CHECK(strcmp(kp + 112, "hostcalls") == 0, "kp_comm %s", kp + 112);
	CHECK_EQ(*(int *)(kp + 12), 2, "kp_stat SACTIVE");
	CHECK_EQ(*(int *)(kp + 664 + 4), 1, "kp_lwp.kl_tid 1");
	int all[3] = { 1, 14, 0 };
	len = 0;
	CHECK_EQ(sysctl(all, 3, 0, &len, 0, 0), 0, "kern.proc.all size query");
	CHECK(len >= 992 && len % 992 == 0, "a whole number of records (%zu bytes)", len);
	mib[3] = 99999;
	len = sizeof(kp);
	CHECK_EQ(sysctl(mib, 4, kp, &len, 0, 0), 0, "kern.proc.pid of a missing process");
	CHECK_EQ(len, 0, "is empty");
	CHECK_ERRNO(sysctl(all, 4, kp, &len, 0, 0), EINVAL, "kern.proc.all with an argument -> EINVAL");
	int args[4] = { 1, 14, 7, getpid() };
	len = sizeof(kp);
	CHECK_EQ(sysctl(args, 4, kp, &len, 0, 0), 0, "kern.proc.args");
	CHECK(strcmp(kp, argv0) == 0, "starts with argv[0] (%s)", kp);
}

static void refused(void)
{
	CHECK_ERRNO(syscall(S_mount, "ufs", "/mnt", 0L, NP), EPERM, "mount -> EPERM");
	CHECK_ERRNO(syscall(S_unmount, "/", 0L), EPERM, "unmount -> EPERM");
	CHECK_ERRNO(syscall(S_ptrace, 0L, 0L, NP, 0L), EPERM, "ptrace -> EPERM");
	CHECK_ERRNO(syscall(S_revoke, "/dev/tty"), EPERM, "revoke -> EPERM");
	CHECK_ERRNO(syscall(600L), ENOSYS, "a number beyond the table -> ENOSYS");
	CHECK_ERRNO(syscall(8L), ENOSYS, "an obsolete number (old creat) -> ENOSYS");
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	snprintf(dir, sizeof(dir), "%s/hostcalls.%d", base, (int)getpid());
	CHECK_EQ(mkdir(dir, 0755), 0, "mkdir scratch dir %s", dir);
	attrs();
	sysinfo();
	rforks();
	chroots();
	devtype();
	proctable(argv[0]);
	refused();
	CHECK_EQ(rmdir(dir), 0, "remove the scratch dir");
	return vkt_done();
}
