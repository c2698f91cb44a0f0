/*
 * Symbolic links inside a guest root (run as `vkemu -L ROOT rootlinks`, ROOT holding
 * tmp/, bin/ and dev/): an absolute link target starts again at the root, as on a
 * DragonFly whose / is ROOT, for absolute and relative paths and *at calls; '..'
 * stops at the root; a call that does not follow links (lstat, unlink, readlink)
 * acts on the link; a last "." stays in the name; a host program in a directory the
 * root has is missing for stat and access as for execve, while other host files
 * (/dev/null) show through.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <vktest.h>

#define D "/tmp/rootlinks.d"

/* The first bytes of a file, or "" when it cannot be read. */
static const char *contents(int dirfd, const char *path)
{
	static char buf[64];
	buf[0] = 0;
	int fd = openat(dirfd, path, O_RDONLY);
	if (fd < 0)
		return "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

int main(void)
{
	struct stat st;
	char buf[256];

	CHECK_EQ(mkdir(D, 0755), 0, "mkdir " D);
	int fd = open(D "/f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "hi", 2) == 2 && close(fd) == 0, "write " D "/f");
	CHECK_EQ(symlink(D "/f", D "/l"), 0, "symlink " D "/l -> " D "/f (absolute target)");
	CHECK_EQ(symlink(D, "/tmp/rootlinks.dl"), 0, "symlink /tmp/rootlinks.dl -> " D);

	CHECK(strcmp(contents(AT_FDCWD, D "/l"), "hi") == 0, "open through the absolute link reads the root's file");
	CHECK(stat(D "/l", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 2, "stat follows it to the 2-byte file");
	CHECK(lstat(D "/l", &st) == 0 && S_ISLNK(st.st_mode), "lstat sees the link itself");
	ssize_t n = readlink(D "/l", buf, sizeof(buf));
	CHECK(n == (ssize_t)strlen(D "/f") && memcmp(buf, D "/f", n) == 0, "readlink gives the guest's target");
	CHECK(strcmp(contents(AT_FDCWD, "/tmp/rootlinks.dl/f"), "hi") == 0, "a directory link in the middle of a path");
	CHECK(strcmp(contents(AT_FDCWD, "/tmp/rootlinks.dl/l"), "hi") == 0, "two absolute links in one lookup");
	CHECK(strcmp(contents(AT_FDCWD, "/../../tmp/rootlinks.d/f"), "hi") == 0, "'..' at the root stays there");

	int dfd = open("/tmp/rootlinks.dl", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open the directory through its link");
	CHECK(strcmp(contents(dfd, "l"), "hi") == 0, "openat(dirfd, link) follows the absolute target");
	CHECK(strcmp(contents(dfd, "../rootlinks.d/f"), "hi") == 0, "openat(dirfd, ../name)");
	CHECK(fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "fstatat NOFOLLOW sees the link");
	close(dfd);

	CHECK_EQ(chdir("/tmp/rootlinks.dl"), 0, "chdir through the link");
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, D) == 0, "getcwd is the real directory " D " (%s)", buf);
	CHECK(strcmp(contents(AT_FDCWD, "l"), "hi") == 0, "a relative path to the absolute link");
	CHECK(strcmp(contents(AT_FDCWD, "../../../tmp/rootlinks.d/f"), "hi") == 0, "relative '..' stops at the root");
	CHECK_EQ(chdir("/"), 0, "chdir /");

	CHECK_ERRNO(rmdir(D "/."), EINVAL, "rmdir of a path ending in '.' -> EINVAL, the directory stays");
	CHECK(stat(D, &st) == 0, D " is still there");
	CHECK_ERRNO(open(D "/f/.", O_RDONLY), ENOTDIR, "file/. -> ENOTDIR");
	CHECK_EQ(link(D "/l", D "/hard"), 0, "link(2) of the link");
	CHECK(lstat(D "/hard", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 2, "follows it, as DragonFly's link(2) does");
	CHECK_EQ(unlink(D "/l"), 0, "unlink the link");
	CHECK(stat(D "/f", &st) == 0, "unlink removed the link, not its target");

	CHECK_ERRNO(stat("/bin/sh", &st), ENOENT, "stat /bin/sh -> ENOENT: the root has /bin, and the host's sh is a Linux program");
	CHECK_ERRNO(access("/bin/sh", X_OK), ENOENT, "access /bin/sh -> ENOENT too (a PATH search agrees with execve)");
	fd = open("/dev/null", O_WRONLY);
	CHECK(fd >= 0, "/dev/null shows through from the host (the root's /dev is empty)");
	close(fd);

	unlink("/tmp/rootlinks.dl");
	unlink(D "/hard");
	unlink(D "/f");
	rmdir(D);
	return vkt_done();
}
