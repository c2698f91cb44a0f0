/*
 * Wake-ups on host descriptors: a parent and a forked child bounce one byte
 * N times (default 50) through a host socketpair, each side waiting in poll,
 * select, kevent (EV_CLEAR) or a blocking read; then N loopback TCP
 * connections, the parent waiting in a blocking accept and the child in a
 * blocking connect. Every wait must end because the host said the socket
 * became ready. Prints one line per kind:
 *   wake: poll N round trips in X us
 * (test/host-readiness.test.ts bounds X well below what polling could do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <vktest.h>

#define L(x) ((long)(x))
#define SYS_socket 97
#define SYS_connect 98
#define SYS_accept 30
#define SYS_bind 104
#define SYS_listen 106
#define SYS_getsockname 32
#define SYS_socketpair 135
#define SYS_poll 209
#define SYS_kqueue 362

struct kev { unsigned long ident; short filter; unsigned short flags; unsigned fflags; long data; void *udata; };
struct pfd { int fd; short events, revents; };
struct sin { unsigned char len, family; unsigned short port; unsigned addr; char zero[8]; };

enum { POLL, SELECT, KEVENT, READ, NKINDS };
static const char *kind_name[] = { "poll", "select", "kevent", "read" };
/* Waits end after this long anyway, so a missing wake-up shows as slowness, not a hang. */
#define WAIT_MS 5000

static long now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Wait until fd is readable in the given way; 1 when it is, 0 on timeout, -errno. */
static long wait_readable(int kind, int fd, int kq)
{
	if (kind == POLL) {
		struct pfd p = { fd, 1 /* POLLIN */, 0 };
		return __dfly_sc3(SYS_poll, L(&p), 1, WAIT_MS);
	}
	if (kind == SELECT) {
		unsigned long set[16];
		struct { long sec, usec; } tv = { WAIT_MS / 1000, 0 };
		memset(set, 0, sizeof(set));
		set[fd / 64] = 1UL << (fd % 64);
		return __dfly_sc5(SYS_select, L(fd + 1), L(set), 0, 0, L(&tv));
	}
	if (kind == KEVENT) {
		struct kev ev;
		struct timespec ts = { WAIT_MS / 1000, 0 };
		return __dfly_sc6(SYS_kevent, kq, 0, 0, L(&ev), 1, L(&ts));
	}
	return 1;	/* READ: the read itself blocks */
}

static int kq_for(int kind, int fd)
{
	if (kind != KEVENT)
		return -1;
	int kq = (int)__dfly_sc0(SYS_kqueue);
	struct kev add = { (unsigned long)fd, -1 /* EVFILT_READ */, 0x1 | 0x20 /* EV_ADD|EV_CLEAR */, 0, 0, 0 };
	if (kq < 0 || __dfly_sc6(SYS_kevent, kq, L(&add), 1, 0, 0, 0) != 0)
		return -1;
	return kq;
}

/* One side of the ping-pong: wait, take the byte, (the parent measures) send it on. */
static int bounce(int kind, int fd, int rounds, int first)
{
	int kq = kq_for(kind, fd);
	if (kind == KEVENT && kq < 0)
		return -1;
	char c = 'x';
	for (int i = 0; i < rounds; i++) {
		if (first && write(fd, &c, 1) != 1)
			return -1;
		if (wait_readable(kind, fd, kq) != 1)
			return -1;
		if (read(fd, &c, 1) != 1)
			return -1;
		if (!first && write(fd, &c, 1) != 1)
			return -1;
	}
	if (kq >= 0)
		close(kq);
	return 0;
}

static void pingpong(int kind, int rounds)
{
	int sv[2];
	long r = __dfly_sc4(SYS_socketpair, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, L(sv));
	CHECK_EQ(r, 0, "%s: socketpair", kind_name[kind]);
	if (r != 0)
		return;
	pid_t child = fork();
	if (child == 0) {
		close(sv[0]);
		_exit(bounce(kind, sv[1], rounds, 0) == 0 ? 0 : 1);
	}
	close(sv[1]);
	/* the child is waiting before the clock starts */
	long t0 = now_us();
	int ok = bounce(kind, sv[0], rounds, 1) == 0;
	long took = now_us() - t0;
	int st = -1;
	wait4(child, &st, 0, 0);
	close(sv[0]);
	CHECK(ok && st == 0, "%s: %d round trips through a host socketpair (child status %d)", kind_name[kind], rounds, st);
	printf("wake: %s %d round trips in %ld us\n", kind_name[kind], rounds, took);
}

/* Loopback TCP: the child connects `rounds` times (blocking connect); the parent blocks in accept. */
static void accepts(int rounds)
{
	int ls = (int)__dfly_sc3(SYS_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
	struct sin a = { 16, 2, 0, 0x0100007f /* 127.0.0.1 */, { 0 } };
	unsigned alen = sizeof(a);
	CHECK(ls >= 0 && __dfly_sc3(SYS_bind, ls, L(&a), sizeof(a)) == 0 && __dfly_sc2(SYS_listen, ls, 64) == 0 &&
	      __dfly_sc3(SYS_getsockname, ls, L(&a), L(&alen)) == 0, "accept: a loopback listener");
	pid_t child = fork();
	if (child == 0) {
		close(ls);
		for (int i = 0; i < rounds; i++) {
			int s = (int)__dfly_sc3(SYS_socket, 2, 1, 0);
			char c;
			/* one at a time: the parent's accept is waiting when each one arrives */
			if (s < 0 || __dfly_sc3(SYS_connect, s, L(&a), sizeof(a)) != 0 || read(s, &c, 1) != 1)
				_exit(1);
			close(s);
		}
		_exit(0);
	}
	long t0 = now_us();
	int ok = 1;
	for (int i = 0; i < rounds && ok; i++) {
		int s = (int)__dfly_sc3(SYS_accept, ls, 0, 0);
		ok = s >= 0 && write(s, "k", 1) == 1;
		if (s >= 0)
			close(s);
	}
	long took = now_us() - t0;
	int st = -1;
	wait4(child, &st, 0, 0);
	close(ls);
	CHECK(ok && st == 0, "accept: %d loopback connections (child status %d)", rounds, st);
	printf("wake: accept %d round trips in %ld us\n", rounds, took);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 50;
	if (rounds <= 0)
		rounds = 50;
	for (int k = 0; k < NKINDS; k++)
		pingpong(k, rounds);
	accepts(rounds);
	return vkt_done();
}
