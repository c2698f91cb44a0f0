/*
 * The UDP side of the NIC benchmark (bench/devices.ts), run inside network
 * namespaces the benchmark creates:
 *   bench_udp recv IP PORT SECONDS
 *       counts datagrams arriving at IP:PORT; prints "ready" once bound, then
 *       one JSON line after SECONDS, or 0.5 s after the last datagram.
 *   bench_udp send IP PORT FRAMES SECONDS [SIZE]
 *       the veth baseline of vkmini's `netbench udp`: FRAMES datagrams of SIZE
 *       payload bytes (default 1472, a full 1514-byte Ethernet frame), one
 *       send(2) each, the first 4 payload bytes the sequence number, until
 *       FRAMES are out or SECONDS have passed; one JSON line with the keys of
 *       the guest's.
 * Linux only: our DragonFly libc has no socket headers, so the DragonFly
 * build that images/build-c.sh makes of every program is a stub.
 */
#include "bench.h"

#ifdef __linux__
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sock(const char *ip, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		printf("{\"error\":\"bench_udp: bad address %s\"}\n", ip);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		printf("{\"error\":\"bench_udp: socket: %s\"}\n", strerror(errno));
	return fd;
}

static int recv_mode(const char *ip, int port, long seconds)
{
	struct sockaddr_in sa;
	int fd = sock(ip, port, &sa);
	if (fd < 0)
		return 1;
	/* a deep queue, so that a burst is counted rather than dropped while we are scheduled out */
	int rcv = 16 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("{\"error\":\"bench_udp: bind %s:%d: %s\"}\n", ip, port, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	static char buf[65536];
	unsigned long frames = 0, bytes = 0, maxseq = 0;
	int64_t start = bench_now_ns(), first = 0, last = 0, end = start + seconds * 1000000000LL;
	for (;;) {
		int64_t now = bench_now_ns();
		int64_t until = frames ? (last + 500000000LL < end ? last + 500000000LL : end) : end;
		if (now >= until)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = (int)((until - now) / 1000000) + 1;
		if (poll(&p, 1, wait) <= 0)
			continue;
		ssize_t n;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
			last = bench_now_ns();
			if (!frames)
				first = last;
			frames++;
			bytes += (unsigned long)n;
			unsigned seq = 0;
			if (n >= 4)
				memcpy(&seq, buf, 4);
			if (seq > maxseq)
				maxseq = seq;
		}
	}
	printf("{\"bench\":\"udp_recv\",\"frames\":%lu,\"payload_bytes\":%lu,\"max_seq\":%lu,\"span_ns\":%lld}\n",
	       frames, bytes, maxseq, (long long)(last - first));
	return 0;
}

static int send_mode(const char *ip, int port, unsigned long frames, long seconds, unsigned size)
{
	struct sockaddr_in sa;
	int fd = sock(ip, port, &sa);
	if (fd < 0)
		return 1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("{\"error\":\"bench_udp: connect %s:%d: %s\"}\n", ip, port, strerror(errno));
		return 1;
	}
	static char buf[1472];
	if (size > sizeof(buf))
		size = sizeof(buf);
	memset(buf, 'v', sizeof(buf));
	unsigned long sent = 0, retries = 0;
	int64_t t0 = bench_now_ns(), limit = seconds * 1000000000LL, t = t0;
	while (sent < frames && t - t0 < limit) {
		unsigned seq = (unsigned)sent;
		if (size >= 4)
			memcpy(buf, &seq, 4);
		if (send(fd, buf, size, 0) == (ssize_t)size)
			sent++;
		else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
			retries++;	/* the device queue is full: try again, as the guest waits for ring space */
		else {
			printf("{\"error\":\"bench_udp: send: %s\"}\n", strerror(errno));
			return 1;
		}
		if ((sent & 63) == 0)
			t = bench_now_ns();
	}
	t = bench_now_ns();
	unsigned framelen = 14 + 28 + size < 60 ? 60 : 14 + 28 + size;
	printf("{\"bench\":\"udp_send\",\"frames\":%lu,\"frame_bytes\":%u,\"ns\":%lld,\"retries\":%lu}\n", sent,
	       framelen, (long long)(t - t0), retries);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return recv_mode(argv[2], atoi(argv[3]), atol(argv[4]));
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "send") == 0)
		return send_mode(argv[2], atoi(argv[3]), strtoul(argv[4], 0, 0), atol(argv[5]),
		                 argc == 7 ? (unsigned)atoi(argv[6]) : 1472);
	fprintf(stderr, "usage: bench_udp recv IP PORT SECONDS | bench_udp send IP PORT FRAMES SECONDS [SIZE]\n");
	return 2;
}
#else
int main(void)
{
	printf("{\"error\":\"bench_udp: Linux only\"}\n");
	return 1;
}
#endif
