/*
 * SCM_RIGHTS with in-process files: a pipe end travels over an AF_UNIX
 * socketpair to a child, which reads through the received descriptor what the
 * parent writes into the pipe. Raw system
 * calls with DragonFly's msghdr/cmsghdr layouts (our libc has no socket API).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <vktest.h>

struct iovec_ { void *base; unsigned long len; };
struct msghdr_ {
	void *name; unsigned int namelen; unsigned int pad0;
	struct iovec_ *iov; int iovlen; int pad1;
	void *control; unsigned int controllen; int flags;
};

static long sendfd(int sock, int fd)
{
	char byte = 'x';
	struct iovec_ iov = { &byte, 1 };
	unsigned char cbuf[24] = { 0 };
	unsigned int len = 20;	/* CMSG_LEN(sizeof(int)) = 16 + 4 */
	memcpy(cbuf, &len, 4);
	int level = 0xffff, type = 1;	/* SOL_SOCKET, SCM_RIGHTS */
	memcpy(cbuf + 4, &level, 4);
	memcpy(cbuf + 8, &type, 4);
	memcpy(cbuf + 16, &fd, 4);
	struct msghdr_ m = { 0 };
	m.iov = &iov;
	m.iovlen = 1;
	m.control = cbuf;
	m.controllen = sizeof(cbuf);
	return __dfly_sc3(28, sock, (long)&m, 0);
}

static int recvfd(int sock)
{
	char byte = 0;
	struct iovec_ iov = { &byte, 1 };
	unsigned char cbuf[32] = { 0 };
	struct msghdr_ m = { 0 };
	m.iov = &iov;
	m.iovlen = 1;
	m.control = cbuf;
	m.controllen = sizeof(cbuf);
	if (__dfly_sc3(27, sock, (long)&m, 0) != 1 || m.controllen < 20)
		return -1;
	int fd;
	memcpy(&fd, cbuf + 16, 4);
	return fd;
}

int main(void)
{
	int sv[2], p[2];
	CHECK_EQ(__dfly_sc4(135, 1, 1, 0, (long)sv), 0, "socketpair(AF_UNIX, SOCK_STREAM)");
	CHECK_EQ(pipe(p), 0, "pipe");
	pid_t c = fork();
	if (c == 0) {
		int r = recvfd(sv[1]);
		if (r < 0)
			_exit(10);
		char b[32] = { 0 };
		ssize_t n = read(r, b, sizeof(b) - 1);
		_exit(n == 17 && !strcmp(b, "hello through fd!") ? 0 : 11);
	}
	CHECK_EQ(sendfd(sv[0], p[0]), 1, "sendmsg with SCM_RIGHTS of a pipe's read end");
	CHECK_EQ(write(p[1], "hello through fd!", 17), 17, "write into the pipe");
	int st = 0;
	CHECK_EQ(wait4(c, &st, 0, 0), c, "the child ends");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "it read the pipe through the received descriptor (status 0x%x)", st);

	/* Within one process: the received descriptor shares the description (and its pipe). */
	CHECK_EQ(sendfd(sv[0], p[1]), 1, "send the write end to ourselves");
	int w = recvfd(sv[1]);
	CHECK(w >= 0 && w != p[1], "received as a new descriptor (%d)", w);
	CHECK_EQ(write(w, "ab", 2), 2, "write through it");
	char b[4] = { 0 };
	CHECK(read(p[0], b, 2) == 2 && !memcmp(b, "ab", 2), "the same pipe carried it");
	return vkt_done();
}
