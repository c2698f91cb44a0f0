/*
 * net: the vke commands. argv[0] names the command.
 *   ifconfig
 *   netbench [vkeN] udp IP PORT [FRAMES [SECONDS [SIZE]]]
 *       UDP frames of SIZE payload bytes (default 1472: full 1514-byte
 *       frames) to IP:PORT until FRAMES are out or SECONDS have passed;
 *       prints frames/s and Mbit/s of Ethernet frames handed to the tap.
 *   netbench [vkeN] ping IP [COUNT [SIZE]]
 *       ICMP echo round trips through the tap, one at a time: min/avg/max.
 * Each benchmark also prints one JSON line with the raw counts and times, for
 * bench/devices.ts.
 */
#include "ulib.h"

static char text[8192];

/* The first frame, retried while the kernel resolves the peer with ARP (up to 3 s). */
static long first(int unit, int op, struct vk_netreq *rq)
{
	long r = -VK_EAGAIN;
	for (int i = 0; i < 300 && r == -VK_EAGAIN; i++) {
		r = netctl(unit, op, rq);
		if (r == -VK_EAGAIN)
			sleep_ns(10000000);
	}
	return r;
}

static int udp(int unit, char **argv, int argc)
{
	struct vk_netreq rq;
	memset(&rq, 0, sizeof(rq));
	if (argc < 2 || !parse_ip(argv[0], &rq.ip)) {
		printf("netbench: udp IP PORT [FRAMES [SECONDS [SIZE]]]\n");
		return 2;
	}
	rq.port = (unsigned short)atoi(argv[1]);
	unsigned long frames = argc > 2 ? strtoul(argv[2], NULL, 0) : 100000;
	unsigned long limit = (argc > 3 ? strtoul(argv[3], NULL, 0) : 5) * 1000000000UL;
	rq.size = (unsigned short)(argc > 4 ? atoi(argv[4]) : 1472);
	if (rq.size > 1472)
		rq.size = 1472;
	rq.count = 1;
	long r = first(unit, NETCTL_UDP, &rq);
	if (r < 0) {
		printf("netbench: vke%d: %s: %s\n", unit, argv[0], r == -VK_EAGAIN ? "no ARP reply" : errstr(r));
		return 1;
	}
	unsigned long sent = 1, t0 = now_ns(), t = t0;
	while (sent < frames && t - t0 < limit) {
		rq.seq = (unsigned)sent;
		rq.count = frames - sent < 64 ? (unsigned)(frames - sent) : 64;
		r = netctl(unit, NETCTL_UDP, &rq);
		if (r < 0) {
			printf("netbench: vke%d: %s\n", unit, errstr(r));
			return 1;
		}
		sent += (unsigned long)r;
		t = now_ns();
	}
	/* the clock stops when the last frame has been handed to the host, not when it was queued */
	if ((r = netctl(unit, NETCTL_DRAIN, &rq)) < 0) {
		printf("netbench: vke%d: %s\n", unit, errstr(r));
		return 1;
	}
	t = now_ns();
	unsigned long framelen = 14 + 28 + rq.size < 60 ? 60 : 14 + 28 + rq.size;
	char fps[32], mbit[32], secs[32];
	per_second(fps, sizeof(fps), sent, t - t0);
	per_second(mbit, sizeof(mbit), sent * framelen * 8 / 1000, (t - t0) * 1000);
	per_second(secs, sizeof(secs), (t - t0) / 1000000, 1000000000UL);
	printf("netbench: vke%d udp to %s:%u: %lu frames of %lu bytes in %s ms: %s frames/s, %s Mbit/s\n",
	       unit, argv[0], rq.port, sent, framelen, secs, fps, mbit);
	printf("{\"bench\":\"netbench_udp\",\"unit\":%d,\"frames\":%lu,\"frame_bytes\":%lu,\"ns\":%lu}\n",
	       unit, sent, framelen, t - t0);
	return 0;
}

static int ping(int unit, char **argv, int argc)
{
	struct vk_netreq rq;
	memset(&rq, 0, sizeof(rq));
	if (argc < 1 || !parse_ip(argv[0], &rq.ip)) {
		printf("netbench: ping IP [COUNT [SIZE]]\n");
		return 2;
	}
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 10;
	rq.size = (unsigned short)(argc > 2 ? atoi(argv[2]) : 56);
	unsigned long got = 0, sum = 0, min = ~0UL, max = 0;
	for (unsigned long i = 0; i < count; i++) {
		rq.seq = (unsigned)i + 1;
		long r = i == 0 ? first(unit, NETCTL_PING, &rq) : netctl(unit, NETCTL_PING, &rq);
		if (r < 0) {
			if (r != -VK_ETIMEDOUT) {
				printf("netbench: vke%d: ping %s: %s\n", unit, argv[0], errstr(r));
				return 1;
			}
			continue;
		}
		got++;
		sum += (unsigned long)r;
		min = (unsigned long)r < min ? (unsigned long)r : min;
		max = (unsigned long)r > max ? (unsigned long)r : max;
	}
	if (!got) {
		printf("netbench: vke%d ping %s: %lu sent, no replies\n", unit, argv[0], count);
		return 1;
	}
	printf("netbench: vke%d ping %s: %lu sent, %lu replies, rtt min/avg/max %lu/%lu/%lu us\n", unit, argv[0],
	       count, got, min / 1000, sum / got / 1000, max / 1000);
	printf("{\"bench\":\"netbench_ping\",\"unit\":%d,\"sent\":%lu,\"replies\":%lu,\"min_ns\":%lu,"
	       "\"avg_ns\":%lu,\"max_ns\":%lu}\n", unit, count, got, min, sum / got, max);
	return 0;
}

int main(int argc, char **argv)
{
	if (strcmp(argv[0], "ifconfig") == 0) {
		long n = devinfo(DEVINFO_NET, text, sizeof(text));
		if (n == 0)
			printf("no network interfaces (-I)\n");
		if (n > 0)
			write(1, text, (size_t)n);
		return n < 0;
	}
	int unit = 0, a = 1;
	if (argc > 1 && strncmp(argv[1], "vke", 3) == 0)
		unit = atoi(argv[a++] + 3);
	if (argc > a && strcmp(argv[a], "udp") == 0)
		return udp(unit, argv + a + 1, argc - a - 1);
	if (argc > a && strcmp(argv[a], "ping") == 0)
		return ping(unit, argv + a + 1, argc - a - 1);
	printf("usage: ifconfig | netbench [vkeN] udp IP PORT [FRAMES [SECONDS [SIZE]]] | netbench [vkeN] ping IP [COUNT [SIZE]]\n");
	return 2;
}
