/*
 * BSD file flags that outlive the vkemu run that set them. Run twice on one directory:
 *   chflags set DIR     sets flags on files in DIR and checks st_flags and enforcement
 *   chflags check DIR   (a new vkemu) finds the same st_flags and enforcement, then
 *                       clears every flag and removes the files
 * As root (vkemu's uid): UF_NODUMP|UF_NOUNLINK|SF_ARCHIVED on f1 (unlink, rename from and
 * over it EPERM), UF_IMMUTABLE on f2
 * (writes EPERM), SF_APPEND on f3 (only O_APPEND writes), UF_OPAQUE on the directory d,
 * UF_NOHISTORY through fchflags on f4. Not root: the UF_ flags without a Linux attribute
 * only, and SF_ARCHIVED -> EPERM (DragonFly: only root sets SF_ flags).
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <vktest.h>

#define S_chflags 34
#define S_fchflags 35
#define UF_NODUMP 0x1L
#define UF_IMMUTABLE 0x2L
#define UF_OPAQUE 0x8L
#define UF_NOUNLINK 0x10L
#define UF_NOHISTORY 0x40L
#define SF_ARCHIVED 0x10000L
#define SF_APPEND 0x40000L

static char dir[512];

static const char *at(const char *name)
{
	static char bufs[8][600];
	static int k;
	char *b = bufs[k++ & 7];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static long flags_of(const char *name)
{
	struct stat st;
	return stat(at(name), &st) == 0 ? (long)st.st_flags : -1;
}

static long chflags_(const char *name, long flags)
{
	return syscall(S_chflags, at(name), flags);
}

static void make(const char *name)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4 && close(fd) == 0, "create %s", name);
}

/* Flags of f1 (and what a non-root owner may set). */
static long f1_flags(int root)
{
	return root ? UF_NODUMP | UF_NOUNLINK | SF_ARCHIVED : UF_NODUMP | UF_NOUNLINK;
}

/* What both runs check: the flags are there and the host enforces the mapped ones. */
static void check_flags(int root)
{
	CHECK_EQ(flags_of("f1"), f1_flags(root), "f1: st_flags");
	CHECK_EQ(flags_of("d"), UF_OPAQUE, "d: st_flags UF_OPAQUE (a directory)");
	CHECK_EQ(flags_of("f4"), UF_NOHISTORY, "f4: st_flags UF_NOHISTORY (set through fchflags)");
	int fd = open(at("f4"), O_RDONLY);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_flags == UF_NOHISTORY, "f4: fstat shows them too");
	close(fd);
	/* UF_NOUNLINK has no Linux attribute: vkemu refuses removal itself. */
	CHECK_ERRNO(unlink(at("f1")), EPERM, "f1: unlink of a UF_NOUNLINK file -> EPERM");
	CHECK_ERRNO(rename(at("f1"), at("f1.moved")), EPERM, "f1: rename from it -> EPERM");
	CHECK_ERRNO(rename(at("f4"), at("f1")), EPERM, "f1: rename over it -> EPERM");
	CHECK_ERRNO(unlinkat(AT_FDCWD, at("f1"), 0), EPERM, "f1: unlinkat -> EPERM");
	CHECK_EQ(flags_of("f1"), f1_flags(root), "f1: still there with its flags");
	if (!root)
		return;
	CHECK_EQ(flags_of("f2"), UF_IMMUTABLE, "f2: st_flags UF_IMMUTABLE");
	CHECK_ERRNO(open(at("f2"), O_WRONLY), EPERM, "f2: opening an immutable file for writing -> EPERM");
	CHECK_ERRNO(unlink(at("f2")), EPERM, "f2: unlink -> EPERM");
	CHECK_EQ(flags_of("f3"), SF_APPEND, "f3: st_flags SF_APPEND");
	CHECK_ERRNO(open(at("f3"), O_WRONLY), EPERM, "f3: append-only, a plain write open -> EPERM");
	fd = open(at("f3"), O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "+", 1) == 1, "f3: an O_APPEND write works");
	close(fd);
}

static int set(int root)
{
	CHECK_EQ(mkdir(at("d"), 0755), 0, "mkdir d");
	make("f1");
	make("f2");
	make("f3");
	make("f4");
	CHECK_EQ(chflags_("f1", f1_flags(root)), 0, "chflags f1 0x%lx", f1_flags(root));
	CHECK_EQ(chflags_("d", UF_OPAQUE), 0, "chflags d UF_OPAQUE");
	int fd = open(at("f4"), O_RDONLY);
	CHECK_EQ(syscall(S_fchflags, (long)fd, UF_NOHISTORY), 0, "fchflags f4 UF_NOHISTORY");
	close(fd);
	if (root) {
		CHECK_EQ(chflags_("f2", UF_IMMUTABLE), 0, "chflags f2 UF_IMMUTABLE");
		CHECK_EQ(chflags_("f3", SF_APPEND), 0, "chflags f3 SF_APPEND");
	} else {
		CHECK_ERRNO(chflags_("f2", SF_ARCHIVED), EPERM, "not root: SF_ARCHIVED -> EPERM");
	}
	check_flags(root);
	CHECK_ERRNO(syscall(S_chflags, "/proc/self/status", UF_NOUNLINK), EOPNOTSUPP,
	            "a host file system that keeps neither kind of attribute (Linux procfs) -> EOPNOTSUPP");
	return vkt_done();
}

static int check(int root)
{
	check_flags(root);
	CHECK_EQ(chflags_("f1", UF_NODUMP), 0, "chflags f1 UF_NODUMP (others cleared)");
	CHECK_EQ(flags_of("f1"), UF_NODUMP, "f1: st_flags UF_NODUMP");
	const char *names[] = { "f1", "f2", "f3", "f4", "d" };
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(chflags_(names[i], 0L), 0, "chflags %s 0", names[i]);
		CHECK_EQ(flags_of(names[i]), 0, "%s: st_flags 0", names[i]);
	}
	if (root) {
		int fd = open(at("f2"), O_WRONLY);
		CHECK(fd >= 0, "f2 is writable again");
		close(fd);
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(unlink(at(names[i])), 0, "unlink %s", names[i]);
	CHECK_EQ(rmdir(at("d")), 0, "rmdir d");
	return vkt_done();
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "set") && strcmp(argv[1], "check"))) {
		printf("usage: chflags set|check DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	int root = getuid() == 0;
	return strcmp(argv[1], "set") == 0 ? set(root) : check(root);
}
