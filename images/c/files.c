/*
 * File-system system calls with DragonFly semantics: open/read/write/lseek,
 * pread/pwrite/extpread/extpwrite (offset -1 = current position), fstat sizes,
 * ftruncate (via __syscall), rename/unlink/mkdir/rmdir, getdirentries,
 * symlink/readlink/lstat, getcwd/chdir, dup/dup2, fcntl, O_APPEND, openat,
 * fstatat, and DragonFly errno numbers.
 * Usage: files [scratch-dir]   (default /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <vktest.h>

static char dir[512];

static const char *path(const char *name)
{
	static char bufs[16][768];
	static int k;
	char *b = bufs[k++ & 15];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void test_basic_io(void)
{
	char f[768];
	strcpy(f, path("a.txt"));
	unlink(f);
	int fd = open(f, O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 3, "open O_CREAT|O_EXCL returns a new descriptor (%d)", fd);
	CHECK_EQ(write(fd, "hello world\n", 12), 12, "write 12 bytes");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12, "lseek SEEK_CUR after write");
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0, "lseek SEEK_SET 0");
	char buf[64] = { 0 };
	CHECK_EQ(read(fd, buf, sizeof(buf)), 12, "read returns 12 bytes");
	CHECK(memcmp(buf, "hello world\n", 12) == 0, "read data matches");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0, "read at EOF returns 0");
	CHECK_EQ(lseek(fd, -5, SEEK_END), 7, "lseek SEEK_END -5");
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(fd, buf, 5), 5, "read 5 after SEEK_END");
	CHECK(memcmp(buf, "orld\n", 5) == 0, "data after SEEK_END");
	CHECK_ERRNO(lseek(fd, -100, SEEK_SET), EINVAL, "lseek to negative offset -> EINVAL (22)");

	/* 64-bit offsets: a sparse seek past 4 GiB must round-trip */
	CHECK_EQ(lseek(fd, 0x100000000LL, SEEK_SET), 0x100000000LL,
	         "lseek to 4 GiB returns a 64-bit offset");
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0, "lseek back to 0");

	/* pread/pwrite do not move the file position */
	lseek(fd, 3, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(pread(fd, buf, 5, 6), 5, "pread 5 at offset 6");
	CHECK(memcmp(buf, "world", 5) == 0, "pread data");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3, "pread leaves position unchanged");
	CHECK_EQ(pwrite(fd, "WORLD", 5, 6), 5, "pwrite 5 at offset 6");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3, "pwrite leaves position unchanged");
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(pread(fd, buf, 12, 0), 12, "pread whole file");
	CHECK(memcmp(buf, "hello WORLD\n", 12) == 0, "pwrite data visible");

	/* extpread/extpwrite with offset -1 use and advance the position */
	lseek(fd, 6, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(extpread(fd, buf, 5, 0, -1), 5, "extpread offset -1 reads 5");
	CHECK(memcmp(buf, "WORLD", 5) == 0, "extpread -1 reads at the current position");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11, "extpread -1 advanced the position");
	lseek(fd, 0, SEEK_SET);
	CHECK_EQ(extpwrite(fd, "J", 1, 0, -1), 1, "extpwrite offset -1 writes 1");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1, "extpwrite -1 advanced the position");
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(pread(fd, buf, 5, -1), 5, "pread(fd, buf, 5, -1) reads at the current position");
	CHECK(memcmp(buf, "ello ", 5) == 0, "pread -1 data");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6, "pread -1 advanced the position");
	lseek(fd, 0, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(extpread(fd, buf, 3, 0, 8), 3, "extpread with explicit offset");
	CHECK(memcmp(buf, "RLD", 3) == 0, "extpread explicit offset data");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "explicit-offset extpread keeps position");

	/* fstat and ftruncate */
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0, "fstat");
	CHECK_EQ(st.st_size, 12, "fstat st_size = 12");
	CHECK(S_ISREG(st.st_mode), "fstat S_ISREG (mode 0%o)", st.st_mode);
	CHECK_EQ(st.st_mode & 0777, 0644 & ~022 & 0777, "permission bits 0644 (umask 022 assumed)");
	CHECK(st.st_nlink == 1, "st_nlink = 1");
	CHECK(st.st_blksize > 0, "st_blksize > 0 (%ld)", (long)st.st_blksize);
	CHECK(st.st_mtim.tv_sec > 1500000000, "st_mtime is plausible (%ld)", (long)st.st_mtim.tv_sec);
	CHECK(st.st_ino != 0, "st_ino != 0");
	CHECK_EQ(ftruncate(fd, 5), 0, "ftruncate to 5");
	CHECK_EQ(fstat(fd, &st), 0, "fstat after ftruncate");
	CHECK_EQ(st.st_size, 5, "st_size = 5 after ftruncate");
	CHECK_EQ(ftruncate(fd, 10000), 0, "ftruncate to 10000 (extend)");
	fstat(fd, &st);
	CHECK_EQ(st.st_size, 10000, "st_size = 10000 after extending");
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(pread(fd, buf, 8, 5000), 8, "read inside the extended hole");
	CHECK(buf[0] == 0 && buf[7] == 0, "extended region reads as zeros");
	struct stat st2;
	CHECK_EQ(stat(f, &st2), 0, "stat by path");
	CHECK(st2.st_ino == st.st_ino && st2.st_dev == st.st_dev, "stat and fstat agree on dev/ino");
	CHECK_EQ(close(fd), 0, "close");
	CHECK_ERRNO(close(fd), EBADF, "close twice -> EBADF (9)");
	CHECK_ERRNO(read(fd, buf, 1), EBADF, "read on closed fd -> EBADF (9)");
	CHECK_ERRNO(open(f, O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST,
	            "O_CREAT|O_EXCL on existing file -> EEXIST (17)");

	fd = open(f, O_WRONLY);
	CHECK(fd >= 0, "open O_WRONLY");
	CHECK_ERRNO(read(fd, buf, 1), EBADF, "read on O_WRONLY fd -> EBADF (9)");
	close(fd);
	fd = open(f, O_RDONLY | O_TRUNC);
	close(fd);
	fd = open(f, O_RDONLY);
	CHECK_ERRNO(write(fd, "x", 1), EBADF, "write on O_RDONLY fd -> EBADF (9)");
	close(fd);
}

static void test_append_fcntl_dup(void)
{
	char f[768];
	strcpy(f, path("append.txt"));
	unlink(f);
	int fd = open(f, O_RDWR | O_CREAT | O_APPEND | O_TRUNC, 0600);
	CHECK(fd >= 0, "open O_APPEND");
	int fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & O_ACCMODE, O_RDWR, "F_GETFL access mode O_RDWR");
	CHECK(fl & O_APPEND, "F_GETFL has O_APPEND (0x8): 0x%x", fl);
	write(fd, "abc", 3);
	lseek(fd, 0, SEEK_SET);
	write(fd, "def", 3);
	struct stat st;
	fstat(fd, &st);
	CHECK_EQ(st.st_size, 6, "O_APPEND writes go to the end");
	char buf[8] = { 0 };
	pread(fd, buf, 6, 0);
	CHECK(memcmp(buf, "abcdef", 6) == 0, "appended data in order");
	CHECK_EQ(fcntl(fd, F_SETFL, O_RDWR), 0, "F_SETFL clears O_APPEND");
	CHECK(!(fcntl(fd, F_GETFL) & O_APPEND), "O_APPEND cleared");

	CHECK_EQ(fcntl(fd, F_GETFD), 0, "F_GETFD = 0 initially");
	CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0, "F_SETFD FD_CLOEXEC");
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "F_GETFD = FD_CLOEXEC");

	int d = dup(fd);
	CHECK(d >= 0 && d != fd, "dup returns a new fd (%d)", d);
	CHECK_EQ(fcntl(d, F_GETFD), 0, "dup'd fd does not inherit FD_CLOEXEC");
	lseek(fd, 2, SEEK_SET);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 2, "dup shares the file position");
	int h = dup2(fd, 40);
	CHECK_EQ(h, 40, "dup2 to 40 returns 40");
	CHECK_EQ(lseek(40, 0, SEEK_CUR), 2, "dup2 target shares the position");
	int h2 = fcntl(fd, F_DUPFD, 50);
	CHECK(h2 >= 50, "F_DUPFD returns >= 50 (%d)", h2);
	CHECK_EQ(dup2(fd, fd), fd, "dup2(fd, fd) returns fd");
	CHECK_ERRNO(dup2(999999, 41), EBADF, "dup2 of a bad fd -> EBADF (9)");
	CHECK_ERRNO(fcntl(12345, F_GETFL), EBADF, "fcntl on bad fd -> EBADF (9)");
	close(d);
	close(40);
	close(h2);
	close(fd);
	unlink(f);
}

static int find_entry(const char *dirpath, const char *name, int *type)
{
	int fd = open(dirpath, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	static char buf[4096];
	long base = 0;
	int found = 0, n, total = 0, bad = 0;
	while ((n = getdirentries(fd, buf, sizeof(buf), &base)) > 0) {
		for (int off = 0; off < n;) {
			struct dirent *e = (struct dirent *)(buf + off);
			if (e->d_namlen == 0 || e->d_namlen > 255 ||
			    e->d_name[e->d_namlen] != 0 ||
			    strlen(e->d_name) != e->d_namlen)
				bad++;
			if (strcmp(e->d_name, name) == 0) {
				found = 1;
				*type = e->d_type;
			}
			off += _DIRENT_RECLEN(e->d_namlen);
			total++;
		}
	}
	close(fd);
	if (bad)
		return -2;
	return found ? total : 0;
}

static void test_dirs_links(void)
{
	char d[768], f[768], f2[768];
	strcpy(d, path("sub"));
	strcpy(f, path("sub/file"));
	strcpy(f2, path("sub/file2"));
	unlink(f);
	unlink(f2);
	unlink(path("sub/link"));
	rmdir(path("sub/inner"));
	rmdir(d);

	CHECK_EQ(mkdir(d, 0755), 0, "mkdir");
	CHECK_ERRNO(mkdir(d, 0755), EEXIST, "mkdir existing -> EEXIST (17)");
	struct stat st;
	CHECK(stat(d, &st) == 0 && S_ISDIR(st.st_mode), "stat says directory");
	int fd = open(f, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0, "create file in subdirectory");
	write(fd, "data", 4);
	close(fd);

	CHECK_ERRNO(open(path("sub/file/x"), O_RDONLY), ENOTDIR,
	            "path through a regular file -> ENOTDIR (20)");
	CHECK_ERRNO(open(d, O_WRONLY), EISDIR, "open directory for writing -> EISDIR (21)");
	CHECK_ERRNO(open(path("nonexistent/x"), O_RDONLY), ENOENT,
	            "missing path -> ENOENT (2)");
	CHECK_ERRNO(stat(path("nope"), &st), ENOENT, "stat missing -> ENOENT (2)");
	CHECK_ERRNO(open(f, O_RDONLY | O_DIRECTORY), ENOTDIR,
	            "O_DIRECTORY on a file -> ENOTDIR (20)");
	CHECK_ERRNO(rmdir(d), ENOTEMPTY, "rmdir non-empty -> ENOTEMPTY (66)");
	CHECK_ERRNO(unlink(path("nope")), ENOENT, "unlink missing -> ENOENT (2)");

	int type = -1;
	int n = find_entry(d, "file", &type);
	CHECK(n >= 1, "getdirentries lists 'file' (%d entries)", n);
	CHECK_EQ(type, DT_REG, "d_type of a regular file is DT_REG (8)");
	CHECK_EQ(mkdir(path("sub/inner"), 0700), 0, "mkdir inner");
	n = find_entry(d, "inner", &type);
	CHECK(n >= 2, "getdirentries lists 'inner'");
	CHECK_EQ(type, DT_DIR, "d_type of a directory is DT_DIR (4)");
	n = find_entry(d, ".", &type);
	CHECK(n >= 2, "getdirentries lists '.'");

	CHECK_EQ(rename(f, f2), 0, "rename");
	CHECK_ERRNO(stat(f, &st), ENOENT, "old name gone after rename");
	CHECK(stat(f2, &st) == 0 && st.st_size == 4, "new name has the data");

	/* symlinks */
	CHECK_EQ(symlink("file2", path("sub/link")), 0, "symlink");
	char lb[64];
	memset(lb, 'Z', sizeof(lb));
	ssize_t ln = readlink(path("sub/link"), lb, sizeof(lb));
	CHECK_EQ(ln, 5, "readlink returns the target length");
	CHECK(memcmp(lb, "file2", 5) == 0 && lb[5] == 'Z',
	      "readlink data, no NUL appended");
	CHECK_ERRNO(readlink(f2, lb, sizeof(lb)), EINVAL, "readlink on a non-link -> EINVAL (22)");
	CHECK(lstat(path("sub/link"), &st) == 0 && S_ISLNK(st.st_mode), "lstat sees a symlink");
	CHECK(stat(path("sub/link"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4,
	      "stat follows the symlink");
	n = find_entry(d, "link", &type);
	CHECK_EQ(type, DT_LNK, "d_type of a symlink is DT_LNK (10)");
	CHECK_ERRNO(symlink("x", path("sub/link")), EEXIST, "symlink over existing -> EEXIST (17)");
	CHECK_EQ(link(path("sub/link"), path("sub/hard")), 0, "link(2) of a symlink");
	CHECK(lstat(path("sub/hard"), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 2,
	      "links the file it names, as DragonFly's link(2) follows it (Linux's does not)");
	CHECK_EQ(unlink(path("sub/hard")), 0, "unlink the hard link");

	/* openat / fstatat relative to a directory fd */
	int dfd = open(d, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open directory O_DIRECTORY");
	fd = openat(dfd, "file2", O_RDONLY);
	CHECK(fd >= 0, "openat relative to a directory fd");
	char b4[4];
	CHECK(read(fd, b4, 4) == 4 && memcmp(b4, "data", 4) == 0, "openat file contents");
	close(fd);
	fd = openat(AT_FDCWD, f2, O_RDONLY);
	CHECK(fd >= 0, "openat(AT_FDCWD = 0xFFFAFDCD, absolute path)");
	close(fd);
	CHECK(fstatat(dfd, "link", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode),
	      "fstatat AT_SYMLINK_NOFOLLOW (1) sees the link");
	CHECK(fstatat(dfd, "link", &st, 0) == 0 && S_ISREG(st.st_mode),
	      "fstatat without flags follows it");

	/* getcwd / chdir */
	char cwd0[1024], cwd[1024];
	CHECK(getcwd(cwd0, sizeof(cwd0)) != 0, "getcwd");
	CHECK_EQ(chdir(d), 0, "chdir into the subdirectory");
	CHECK(getcwd(cwd, sizeof(cwd)) != 0, "getcwd after chdir: %s", cwd);
	struct stat a, b;
	stat(cwd, &a);
	stat(d, &b);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "getcwd names the new directory");
	CHECK(stat("file2", &st) == 0, "relative path resolves in the new cwd");
	CHECK_ERRNO(getcwd(cwd, 4) ? 0 : -1, ERANGE, "getcwd with a tiny buffer -> ERANGE (34)");
	CHECK_ERRNO(chdir(path("sub/file2")), ENOTDIR, "chdir to a file -> ENOTDIR (20)");
	CHECK_EQ(fchdir(dfd), 0, "fchdir");
	CHECK_EQ(chdir(cwd0), 0, "chdir back");
	close(dfd);

	CHECK_EQ(unlink(path("sub/link")), 0, "unlink symlink");
	CHECK_EQ(unlink(f2), 0, "unlink file");
	CHECK_EQ(rmdir(path("sub/inner")), 0, "rmdir inner");
	CHECK_EQ(rmdir(d), 0, "rmdir now-empty dir");
	CHECK_ERRNO(rmdir(d), ENOENT, "rmdir again -> ENOENT (2)");
}


/* Named pipes: mkfifo on the host file system, POSIX open rules, data through it. */
static void test_fifo(void)
{
	const char *f = path("fifo");
	CHECK_EQ(__dfly_sc2(132, (long)f, 0600), 0, "mkfifo");
	CHECK_EQ(__dfly_sc2(132, (long)f, 0600), -EEXIST, "mkfifo again -> EEXIST");
	CHECK_EQ(__dfly_sc2(132, 0x10, 0600), -EFAULT, "mkfifo of a bad path pointer -> EFAULT");
	struct stat st;
	CHECK(stat(f, &st) == 0 && S_ISFIFO(st.st_mode), "stat says S_IFIFO");
	errno = 0;
	CHECK_EQ(open(f, O_WRONLY | O_NONBLOCK), -1, "non-blocking writer without a reader fails");
	CHECK_EQ(errno, ENXIO, "with ENXIO");
	int r = open(f, O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0, "non-blocking reader opens at once");
	int w = open(f, O_WRONLY);
	CHECK(w >= 0, "a writer opens when a reader is there");
	CHECK_EQ(write(w, "fifo!", 5), 5, "write into the FIFO");
	char b[8] = { 0 };
	CHECK(read(r, b, sizeof(b)) == 5 && memcmp(b, "fifo!", 5) == 0, "the reader gets it");
	CHECK(fstat(r, &st) == 0 && S_ISFIFO(st.st_mode), "fstat of an open FIFO says S_IFIFO");
	close(w);
	CHECK_EQ(read(r, b, sizeof(b)), 0, "EOF after the last writer closes");
	close(r);
	CHECK_EQ(__dfly_sc3(14, (long)path("dev"), 0020644, 0x0101), -EPERM, "mknod of a device node -> EPERM");
	CHECK_EQ(unlink(f), 0, "unlink the FIFO");

	/* lchown changes the link itself: a dangling one is fine, chown follows and fails. */
	const char *l = path("dangling");
	CHECK_EQ(symlink("no-such-target", l), 0, "a dangling symlink");
	CHECK_EQ(__dfly_sc3(16, (long)l, 0, 0), -ENOENT, "chown follows it: ENOENT");
	CHECK_EQ(__dfly_sc3(254, (long)l, 0, 0), 0, "lchown (254) does not");
	unlink(l);
}


/* A working directory deeper than the host's PATH_MAX: relative names still work. */
static void test_deep_cwd(void)
{
	char name[101];
	memset(name, 'd', 100);
	name[100] = 0;
	char top[512];
	CHECK(getcwd(top, sizeof(top)) != 0, "getcwd before descending");
	CHECK_EQ(chdir(dir), 0, "chdir into the scratch directory");
	int ok = 1;
	for (int i = 0; i < 45 && ok; i++)
		ok = mkdir(name, 0755) == 0 && chdir(name) == 0;
	CHECK(ok, "mkdir + chdir 45 levels of 100-character names (4545 bytes deep)");
	int fd = open("leaf", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "a file at the bottom");
	close(fd);
	struct stat st;
	CHECK(stat("leaf", &st) == 0 && st.st_size == 1, "stat it by a relative name");
	CHECK_EQ(unlink("leaf"), 0, "unlink it");
	ok = 1;
	for (int i = 0; i < 45 && ok; i++)
		ok = chdir("..") == 0 && rmdir(name) == 0;
	CHECK(ok, "climb back up, removing each level");
	struct stat here, want;
	CHECK(stat(".", &here) == 0 && stat(dir, &want) == 0 && here.st_ino == want.st_ino, "back where we started");
	chdir(top);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	snprintf(dir, sizeof(dir), "%s/vkemu-files-%d", base, getpid());
	umask(022);
	CHECK_EQ(mkdir(dir, 0755), 0, "mkdir scratch dir %s", dir);
	test_basic_io();
	test_append_fcntl_dup();
	test_dirs_links();
	test_fifo();
	test_deep_cwd();
	unlink(path("a.txt"));
	CHECK_EQ(rmdir(dir), 0, "remove scratch dir");
	return vkt_done();
}
