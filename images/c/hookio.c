/*
 * I/O on host files and memory devices, which vkemu serves inside the engine's
 * syscall hook (read, write, readv, writev, extpread/extpwrite and their v
 * forms, lseek) unless strace runs: results, file positions shared with calls
 * served in TypeScript (the indirect syscall 198 always goes there, and the
 * libc's lseek uses it), EFAULT, and every change of a descriptor table that
 * must reach the engine: dup2 over a served descriptor, close, fork and vfork
 * children with their own copy, rfork sharing the table, close-on-exec,
 * O_APPEND set with fcntl.
 * Usage: hookio [scratch-dir]          the checks (default /tmp)
 *        hookio count N                N writes to /dev/null and N preads of a file, nothing else
 *        hookio exec-child CLOFD FD    the exec'd child of the close-on-exec check
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <vktest.h>

#define S_readv 120
#define S_writev 121
#define S_vfork 66
#define S_rfork 251
#define S_extpreadv 289
#define S_extpwritev 290
#define RFPROC (1L << 4)

struct iov { void *base; size_t len; };

/* The calls the hook serves, made directly (not through syscall 198). */
static long rd(int fd, void *b, long n) { return syscall(SYS_read, fd, b, n); }
static long wr(int fd, const void *b, long n) { return syscall(SYS_write, fd, b, n); }
static long seek(int fd, long off, int whence) { return syscall(SYS_lseek, fd, 0, off, whence); }
/* The same, served in TypeScript: the indirect call is never served in the hook. */
static long ts_wr(int fd, const void *b, long n) { return syscall(SYS___syscall, SYS_write, fd, b, n); }
static long ts_pos(int fd) { return lseek(fd, 0, SEEK_CUR); }

static int reap(long pid)
{
	int st = 0;
	if (waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The whole file at path into buf (NUL-terminated), through a fresh descriptor. */
static const char *contents(const char *path, char *buf, long size)
{
	int fd = open(path, O_RDONLY);
	long n = fd < 0 ? -1 : pread(fd, buf, size - 1, 0);
	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static int opened(const char *dir, const char *name, int flags, char *path)
{
	snprintf(path, 512, "%s/hookio.%s", dir, name);
	return open(path, flags | O_CREAT | O_TRUNC, 0644);
}

/* vfork; the child makes FD name NEWFD's file, writes n bytes of buf to it and exits (0 if all
 * were written), all in registers: it runs on the parent's stack. The parent gets the pid. */
static long vfork_dup2_write(long newfd, long fd, const char *buf, long n)
{
	long ret;
	__asm__ volatile(
		"mov $66, %%eax\n\t"
		"syscall\n\t"
		"test %%edx, %%edx\n\t"
		"jz 1f\n\t"
		"mov %[newfd], %%rdi\n\t"
		"mov %[fd], %%rsi\n\t"
		"mov $90, %%eax\n\t"
		"syscall\n\t"
		"mov %[fd], %%rdi\n\t"
		"mov %[buf], %%rsi\n\t"
		"mov %[n], %%rdx\n\t"
		"mov $4, %%eax\n\t"
		"syscall\n\t"
		"xor %%edi, %%edi\n\t"
		"cmp %[n], %%rax\n\t"
		"setne %%dil\n\t"
		"mov $1, %%eax\n\t"
		"syscall\n\t"
		"1:\n\t"
		: "=&a"(ret)
		: [newfd] "r"(newfd), [fd] "r"(fd), [buf] "r"(buf), [n] "r"(n)
		: "rcx", "r11", "rdx", "rdi", "rsi", "memory", "cc");
	return ret;
}

static int exec_child(int clofd, int fd)
{
	errno = 0;
	if (wr(clofd, "X", 1) != -1 || errno != EBADF)
		return 2;
	return wr(fd, "exec", 4) == 4 ? 0 : 3;
}

static int count(long n)
{
	int null = open("/dev/null", O_WRONLY);
	char tmp[64], b[64];
	snprintf(tmp, sizeof tmp, "/tmp/hookio.count.%d", (int)getpid());
	int f = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (null < 0 || f < 0)
		return 1;
	unlink(tmp);
	long ok = 0;
	for (long i = 0; i < n; i++)
		ok += wr(null, "x", 1) == 1;
	for (long i = 0; i < n; i++)
		ok += pread(f, b, sizeof b, 0) == 0;
	printf("count: %ld of %ld\n", ok, 2 * n);
	return ok == 2 * n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "exec-child") == 0)
		return exec_child((int)strtol(argv[2], 0, 10), (int)strtol(argv[3], 0, 10));
	if (argc == 3 && strcmp(argv[1], "count") == 0)
		return count(strtol(argv[2], 0, 10));
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char pa[512], pb[512], pc[512], got[8192];

	/* read/write/lseek served, positions seen by TypeScript and back. */
	int a = opened(dir, "a", O_RDWR, pa);
	CHECK(a >= 0, "open %s", pa);
	CHECK_EQ(wr(a, "hello ", 6), 6, "write");
	CHECK_EQ(ts_pos(a), 6, "TypeScript's lseek(SEEK_CUR) sees the position the hook's write left");
	CHECK_EQ(ts_wr(a, "world", 5), 5, "a write served in TypeScript");
	CHECK_EQ(seek(a, 0, SEEK_CUR), 11, "the hook's lseek(SEEK_CUR) sees TypeScript's position");
	CHECK_EQ(wr(a, "!", 1), 1, "and the next write goes on from there");
	CHECK_EQ(seek(a, 0, SEEK_SET), 0, "lseek(SEEK_SET)");
	char b6[16] = {0};
	CHECK_EQ(rd(a, b6, 5), 5, "read");
	CHECK(memcmp(b6, "hello", 5) == 0, "read the bytes written (%.5s)", b6);
	CHECK_EQ(ts_pos(a), 5, "read's position in TypeScript");
	CHECK_EQ(seek(a, -2, SEEK_END), 10, "lseek(SEEK_END) from the host file's size");
	CHECK_EQ(rd(a, b6, 10), 2, "a short read at the end");
	CHECK_EQ(rd(a, b6, 10), 0, "end of file");
	CHECK_EQ(seek(a, -100, SEEK_SET), -1, "lseek to a negative offset fails");
	CHECK_EQ(errno, EINVAL, "with EINVAL");
	CHECK_EQ(seek(a, 0, 7), -1, "an unknown whence fails");
	CHECK_EQ(errno, EINVAL, "with EINVAL");
	CHECK_EQ(strcmp(contents(pa, got, sizeof got), "hello world!"), 0, "the file holds 'hello world!' (%s)", got);

	/* pread/pwrite (extpread/extpwrite with O_FOFFSET) and the plain ext calls. */
	CHECK_EQ(pwrite(a, "HELLO", 5, 0), 5, "pwrite");
	CHECK_EQ(ts_pos(a), 12, "pwrite leaves the position alone");
	CHECK_EQ(pread(a, b6, 5, 6), 5, "pread");
	CHECK(memcmp(b6, "world", 5) == 0, "pread the bytes at 6 (%.5s)", b6);
	CHECK_EQ(extpwrite(a, "?", 1, 0, -1), 1, "extpwrite at offset -1 without O_FOFFSET: the file position");
	CHECK_EQ(ts_pos(a), 13, "which moved");
	CHECK_EQ(extpread(a, b6, 4, O_FOFFSET, 0), 4, "extpread with O_FOFFSET");
	CHECK(memcmp(b6, "HELL", 4) == 0, "at the offset given (%.4s)", b6);
	CHECK_EQ(extpread(a, b6, 4, 0, -1), 0, "extpread at -1 reads at the position (the end)");

	/* readv/writev and their ext forms. */
	char x1[3] = "ab", x2[5] = "cdef", y1[3] = {0}, y2[5] = {0};
	struct iov wv[3] = {{x1, 2}, {0, 0}, {x2, 4}}, rv[2] = {{y1, 2}, {y2, 4}};
	CHECK_EQ(seek(a, 0, SEEK_SET), 0, "rewind");
	CHECK_EQ(syscall(S_writev, a, wv, 3), 6, "writev of 2 + 0 + 4 bytes");
	CHECK_EQ(ts_pos(a), 6, "writev's position");
	CHECK_EQ(syscall(S_extpreadv, a, rv, 2, O_FOFFSET, 0), 6, "extpreadv at 0");
	CHECK(memcmp(y1, "ab", 2) == 0 && memcmp(y2, "cdef", 4) == 0, "scattered right (%.2s %.4s)", y1, y2);
	CHECK_EQ(syscall(S_extpwritev, a, wv, 3, O_FOFFSET, 100), 6, "extpwritev at 100");
	CHECK_EQ(ts_pos(a), 6, "leaves the position alone");
	CHECK_EQ(syscall(S_readv, a, rv, 2), 6, "readv at the position");
	CHECK(memcmp(y1, "wo", 2) == 0 && memcmp(y2, "rld!", 4) == 0, "reads what follows (%.2s %.4s)", y1, y2);
	CHECK_EQ(pread(a, got, 6, 100), 6, "the extpwritev landed at 100");
	CHECK(memcmp(got, "abcdef", 6) == 0, "(%.6s)", got);
	CHECK_EQ(syscall(S_readv, a, rv, 2000), -1, "readv of 2000 iovecs fails");
	CHECK_EQ(errno, EINVAL, "with EINVAL");

	/* A large transfer across many pages, in both directions. */
	static char big[1 << 20], back[1 << 20];
	for (int i = 0; i < (int)sizeof big; i++)
		big[i] = (char)(i * 7 + (i >> 12));
	CHECK_EQ(extpwrite(a, big, sizeof big, O_FOFFSET, 4096), (long)sizeof big, "1 MiB extpwrite");
	CHECK_EQ(extpread(a, back, sizeof back, O_FOFFSET, 4096), (long)sizeof back, "1 MiB extpread");
	CHECK(memcmp(big, back, sizeof big) == 0, "the same bytes came back");

	/* EFAULT: nothing transferred, the position unchanged. */
	char *pages = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(pages != MAP_FAILED, "mmap two pages");
	mprotect(pages + 4096, 4096, PROT_NONE);
	long before = ts_pos(a);
	CHECK_ERRNO(wr(a, (void *)1, 10), EFAULT, "write from 0x1");
	CHECK_ERRNO(rd(a, (void *)0xdead0000, 10), EFAULT, "read into 0xdead0000");
	CHECK_ERRNO(wr(a, pages + 4090, 20), EFAULT, "write from a buffer running into a PROT_NONE page");
	CHECK_ERRNO(pwrite(a, pages + 4090, 20, 0), EFAULT, "pwrite from it");
	CHECK_ERRNO(pread(a, pages + 4090, 20, 0), EFAULT, "pread into it");
	struct iov bad[2] = {{y1, 2}, {pages + 4096, 4}};
	CHECK_ERRNO(syscall(S_writev, a, bad, 2), EFAULT, "writev with one iovec in a PROT_NONE page");
	CHECK_ERRNO(syscall(S_readv, a, (void *)1, 2), EFAULT, "readv of iovecs at 0x1");
	CHECK_EQ(ts_pos(a), before, "no EFAULT moved the position");
	CHECK_EQ(pread(a, got, 6, 0), 6, "the file's start");
	CHECK(memcmp(got, "abcdef", 6) == 0, "is unchanged (%.6s)", got);
	CHECK_EQ(wr(a, "", 0), 0, "a write of nothing");
	CHECK_ERRNO(rd(a, b6, -1), EINVAL, "a read of SIZE_MAX bytes");

	/* Access modes. */
	int ro = open(pa, O_RDONLY), wo = open(pa, O_WRONLY);
	CHECK_ERRNO(wr(ro, "x", 1), EBADF, "write to an O_RDONLY descriptor");
	CHECK_ERRNO(rd(wo, b6, 1), EBADF, "read from an O_WRONLY descriptor");
	close(ro);
	close(wo);

	/* Memory devices. */
	int zero = open("/dev/zero", O_RDONLY), null = open("/dev/null", O_RDWR), full = open("/dev/full", O_WRONLY);
	memset(b6, 1, sizeof b6);
	CHECK_EQ(rd(zero, b6, 8), 8, "read /dev/zero");
	CHECK(b6[0] == 0 && b6[7] == 0 && b6[8] == 1, "zeros, only as many as asked");
	CHECK_EQ(wr(null, "x", 1), 1, "write /dev/null");
	CHECK_EQ(rd(null, b6, 8), 0, "read /dev/null: end of file");
	if (full >= 0)
		CHECK_ERRNO(wr(full, "x", 1), ENOSPC, "write /dev/full: ENOSPC (the host's errno, translated)");

	/* dup2 over a served descriptor: writes go to the new file; then to a pipe; close: EBADF. */
	int b = opened(dir, "b", O_RDWR, pb);
	CHECK_EQ(wr(b, "B:", 2), 2, "write b");
	CHECK_EQ(dup2(b, 20), 20, "dup2(b, 20)");
	CHECK_EQ(wr(20, "x", 1), 1, "write 20 (b's description)");
	CHECK_EQ(dup2(a, 20), 20, "dup2(a, 20) over it");
	CHECK_EQ(seek(20, 0, SEEK_END), seek(a, 0, SEEK_CUR), "20 now shares a's position");
	CHECK_EQ(dup2(b, 20), 20, "dup2(b, 20) again");
	CHECK_EQ(wr(20, "y", 1), 1, "write 20");
	CHECK_EQ(strcmp(contents(pb, got, sizeof got), "B:xy"), 0, "b got both writes at its position (%s)", got);
	int p[2];
	CHECK_EQ(pipe(p), 0, "pipe");
	CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0, "its read end does not block (a write gone astray fails, not hangs)");
	CHECK_EQ(dup2(p[1], 20), 20, "dup2(pipe, 20) over the file");
	CHECK_EQ(wr(20, "pipe", 4), 4, "write 20");
	CHECK_EQ(rd(p[0], b6, 8), 4, "the bytes came out of the pipe");
	CHECK_EQ(strcmp(contents(pb, got, sizeof got), "B:xy"), 0, "not into b (%s)", got);
	CHECK_EQ(close(20), 0, "close 20");
	CHECK_ERRNO(wr(20, "x", 1), EBADF, "write to a closed descriptor");
	int c = opened(dir, "c", O_RDWR, pc);
	CHECK_EQ(fcntl(c, F_DUPFD, 25), 25, "F_DUPFD at 25");
	CHECK_EQ(close(c), 0, "close the original");
	CHECK_ERRNO(wr(c, "x", 1), EBADF, "which is gone");
	CHECK_EQ(wr(25, "dupfd", 5), 5, "the duplicate still writes");

	/* fork: the child's copy shares the description (and its position); its changes stay its own. */
	CHECK_EQ(ftruncate(25, 0), 0, "truncate c");
	CHECK_EQ(seek(25, 0, SEEK_SET), 0, "rewind c");
	CHECK_EQ(wr(25, "ab", 2), 2, "parent writes");
	long pid = fork();
	if (pid == 0) {
		int ok = wr(25, "cd", 2) == 2 && dup2(b, 25) == 25 && wr(25, "!", 1) == 1;
		_exit(ok ? 0 : 1);
	}
	CHECK_EQ(reap(pid), 0, "the child wrote to 25, then dup2'd b over it and wrote again");
	CHECK_EQ(wr(25, "ef", 2), 2, "parent writes again");
	CHECK_EQ(strcmp(contents(pc, got, sizeof got), "abcdef"), 0, "c: parent, child, parent in one position (%s)", got);
	CHECK_EQ(strcmp(contents(pb, got, sizeof got), "B:xy!"), 0, "b: the child's write after its dup2 (%s)", got);

	/* vfork: the child runs on the parent's address space with its own table. */
	pid = vfork_dup2_write(b, 25, "V", 1);
	CHECK(pid > 0, "vfork (%ld)", pid);
	CHECK_EQ(reap(pid), 0, "the vfork child dup2'd b over 25 and wrote to it");
	CHECK_EQ(wr(25, "P", 1), 1, "parent writes to its 25");
	CHECK_EQ(strcmp(contents(pc, got, sizeof got), "abcdefP"), 0, "c got the parent's write (%s)", got);
	CHECK_EQ(strcmp(contents(pb, got, sizeof got), "B:xy!V"), 0, "b got the vfork child's (%s)", got);

	/* rfork(RFPROC) without RFFDG: one table; the child's dup2 shows in the parent. */
	pid = syscall(S_rfork, RFPROC);
	if (pid == 0)
		_exit(dup2(b, 25) == 25 ? 0 : 1);
	CHECK_EQ(reap(pid), 0, "a child sharing the table dup2'd b over 25");
	CHECK_EQ(wr(25, "R", 1), 1, "parent writes to 25");
	CHECK_EQ(strcmp(contents(pb, got, sizeof got), "B:xy!VR"), 0, "b got it (%s)", got);
	CHECK_EQ(strcmp(contents(pc, got, sizeof got), "abcdefP"), 0, "c did not (%s)", got);

	/* O_APPEND from open and from F_SETFL. */
	int ap = open(pc, O_WRONLY | O_APPEND);
	CHECK_EQ(wr(ap, "1", 1), 1, "O_APPEND write");
	CHECK_EQ(seek(ap, 0, SEEK_SET), 0, "lseek to 0");
	CHECK_EQ(wr(ap, "2", 1), 1, "O_APPEND write again");
	CHECK_EQ(ts_pos(ap), 9, "the position is the end");
	int ap2 = open(pc, O_WRONLY);
	CHECK_EQ(wr(ap2, "x", 1), 1, "a plain write at 0");
	CHECK_EQ(fcntl(ap2, F_SETFL, O_APPEND), 0, "F_SETFL O_APPEND");
	CHECK_EQ(wr(ap2, "3", 1), 1, "write after it");
	CHECK_EQ(strcmp(contents(pc, got, sizeof got), "xbcdefP123"), 0, "appended (%s)", got);

	/* exec: a close-on-exec descriptor is gone in the new program, another one still writes. */
	int clo = open(pb, O_WRONLY | O_CLOEXEC);
	CHECK_EQ(dup2(clo, 7), 7, "7: b (dup2 clears close-on-exec)");
	CHECK_EQ(fcntl(7, F_SETFD, FD_CLOEXEC), 0, "7: close-on-exec");
	CHECK_EQ(dup2(ap, 8), 8, "8: c, O_APPEND");
	pid = fork();
	if (pid == 0) {
		char *av[] = {argv[0], "exec-child", "7", "8", 0};
		execve(argv[0], av, 0);
		_exit(8);
	}
	CHECK_EQ(reap(pid), 0, "the exec'd child: EBADF on 7, wrote to 8");
	CHECK_EQ(strcmp(contents(pc, got, sizeof got), "xbcdefP123exec"), 0, "c got the exec'd child's write (%s)", got);
	CHECK_EQ(strcmp(contents(pb, got, sizeof got), "B:xy!VR"), 0, "b did not (%s)", got);

	unlink(pa);
	unlink(pb);
	unlink(pc);
	return vkt_done();
}
