/*
 * tap(4) as a DragonFly virtual kernel uses it (vkernel-host-abi.md 6.3), on
 * the Linux TAPs vkemu makes for it. Run as root inside a network namespace.
 *
 *   tapdev basic               one clone: fstat, FIODNAME, TAPGIFINFO, SIOCGIFADDR
 *                              (6 bytes only), SIOCGIFFLAGS/SIOCSIFFLAGS, EAGAIN, select,
 *                              ENOTTY; /dev/tap42 by name
 *   tapdev many N              N clones at once: distinct units, each interface exists;
 *                              after closing, they are gone and unit 0 is free again
 *   tapdev serve BR HOST/LEN A B SECS
 *                              tap 1 gets HOST/LEN (SIOCAIFADDR), the guest answers ARP and
 *                              ICMP echo as A; tap 2 joins bridge BR (SIOCSDRVSPEC BRDGADD,
 *                              twice: EEXIST), the guest answers as B. Prints
 *                              "ready <tap1> <tap2>", then serves until 3 echo requests were
 *                              answered on each tap (or SECS pass). The guest MAC is the tap's
 *                              with byte 1 incremented (the vke rule).
 *   tapdev sock PATH           the vknetd backend: PATH is not a device, so connect to it as an
 *                              AF_UNIX seqpacket socket (BSD sockaddr_un with sun_len), SO_SNDBUF,
 *                              fstat says socket; one frame out, the echo back (one record each)
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <vktest.h>

#define L(x) ((long)(x))
#define FIODNAME 0x80106678UL
#define TAPGIFINFO 0x4008745CUL
#define SIOCGIFADDR 0xC0206921UL
#define SIOCGIFFLAGS 0xC0206911UL
#define SIOCSIFFLAGS 0x80206910UL
#define SIOCAIFADDR 0x8040691AUL
#define SIOCSDRVSPEC 0x8028697BUL
#define IFF_UP 0x1
#define IFF_RUNNING 0x40
#define SYS_socket 97

struct fiodname_args { void *name; unsigned len; };
struct tapinfo { int baudrate; short mtu; unsigned char type, dummy; };
struct ifreq { char name[16]; unsigned short flags, flagshigh; char pad[12]; };
struct sin { unsigned char len, family; unsigned short port; unsigned addr; char zero[8]; };
struct ifaliasreq { char name[16]; struct sin addr, broad, mask; };
struct ifdrv { char name[16]; unsigned long cmd, len; void *data; };
struct ifbreq { char ifsname[16]; char rest[96]; };
struct kev { unsigned long ident; short filter; unsigned short flags; unsigned fflags; long data; void *udata; };

static long sc(long n, long a, long b, long c) { return __dfly_sc3(n, a, b, c); }
static long ioctl_(int fd, unsigned long cmd, void *arg) { return sc(SYS_ioctl, fd, (long)cmd, L(arg)); }
static int inet_sock(void) { return (int)sc(SYS_socket, 2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0); }

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The vkernel's fdevname + strtol: unit number, or -1. */
static int tap_unit(int fd, char *name, unsigned len)
{
	struct fiodname_args a = { name, len };
	if (ioctl_(fd, FIODNAME, &a) < 0)
		return -1;
	char *t = strstr(name, "tap");
	return t ? (int)strtol(t + 3, NULL, 10) : -1;
}

/* netif_set_tapflags(unit, IFF_UP): read, add, write back. */
static long set_up(int s, const char *name)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	long e = ioctl_(s, SIOCGIFFLAGS, &r);
	if (e < 0)
		return e;
	unsigned flags = r.flags | (unsigned)r.flagshigh << 16;
	flags |= IFF_UP;
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.flags = flags & 0xffff;
	r.flagshigh = flags >> 16;
	return ioctl_(s, SIOCSIFFLAGS, &r);
}

static long get_flags(int s, const char *name)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	long e = ioctl_(s, SIOCGIFFLAGS, &r);
	return e < 0 ? e : (long)(r.flags | (unsigned)r.flagshigh << 16);
}

static unsigned parse_ip(const char *p)
{
	unsigned b[4] = { 0, 0, 0, 0 };
	for (int i = 0; i < 4; i++) {
		b[i] = (unsigned)strtol(p, (char **)&p, 10);
		if (*p == '.')
			p++;
	}
	return b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24; /* network order in memory */
}

static void basic(void)
{
	int fd = open("/dev/tap", O_RDWR | O_NONBLOCK);
	CHECK(fd >= 0, "open /dev/tap (fd %d, errno %d)", fd, errno);
	if (fd < 0)
		return;
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0, "fstat");
	CHECK(S_ISCHR(st.st_mode), "a character device (mode %o)", st.st_mode);
	char name[32];
	int unit = tap_unit(fd, name, sizeof(name));
	CHECK(unit >= 0 && strncmp(name, "tap", 3) == 0, "FIODNAME gives a tap name (%s)", name);
	CHECK_EQ(st.st_rdev & 0xffff00ff, unit, "minor(st_rdev) is the unit");
	char small[4];
	struct fiodname_args a = { small, sizeof(small) };
	CHECK_EQ(ioctl_(fd, FIODNAME, &a), -EINVAL, "FIODNAME into a short buffer: EINVAL");

	struct tapinfo ti;
	memset(&ti, 0xAA, sizeof(ti));
	CHECK_EQ(ioctl_(fd, TAPGIFINFO, &ti), 0, "TAPGIFINFO");
	CHECK_EQ(ti.mtu, 1500, "mtu 1500");
	CHECK_EQ(ti.type, 6, "type IFT_ETHER");

	unsigned char mac[12];
	memset(mac, 0xEE, sizeof(mac));
	CHECK_EQ(ioctl_(fd, SIOCGIFADDR, mac), 0, "SIOCGIFADDR on the tap fd");
	CHECK(!(mac[0] & 1) && memcmp(mac, "\xEE\xEE\xEE\xEE\xEE\xEE", 6) != 0, "a unicast MAC");
	CHECK(memcmp(mac + 6, "\xEE\xEE\xEE\xEE\xEE\xEE", 6) == 0, "only 6 bytes written");
	printf("mac %s %02x:%02x:%02x:%02x:%02x:%02x\n", name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);

	char buf[2048];
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EAGAIN, "read with no frame: EAGAIN (35)");

	/* Down, the interface gets no traffic: nothing to read yet. */
	unsigned long rset[16];
	struct { long sec, usec; } tv = { 0, 30000 };
	memset(rset, 0, sizeof(rset));
	rset[fd / 64] = 1UL << (fd % 64);
	CHECK_EQ(__dfly_sc5(SYS_select, L(fd + 1), L(rset), L(0), L(0), L(&tv)), 0, "select: no frame within 30 ms");
	CHECK(tv.sec == 0 && tv.usec == 30000, "select kept its timeout");
	memset(rset, 0, sizeof(rset));
	rset[fd / 64] = 1UL << (fd % 64);
	CHECK_EQ(__dfly_sc5(SYS_select, L(fd + 1), L(0), L(rset), L(0), L(&tv)), 1, "select: writable");

	int s = inet_sock();
	CHECK(s >= 0, "AF_INET datagram socket");
	long f = get_flags(s, name);
	CHECK(f >= 0 && !(f & IFF_UP), "SIOCGIFFLAGS: down at first (%lx)", f);
	CHECK_EQ(set_up(s, name), 0, "SIOCSIFFLAGS IFF_UP");
	f = get_flags(s, name);
	CHECK(f >= 0 && (f & IFF_UP) && (f & 0x8000), "now up, multicast bit in DragonFly's place (%lx)", f);
	CHECK_EQ(get_flags(s, "nosuchif0"), -6, "SIOCGIFFLAGS on a missing interface: ENXIO");
	CHECK_EQ(ioctl_(s, 0xC02069FAUL /* _IOWR('i', 250, ifreq) */, buf), -ENOTTY, "unknown socket ioctl: ENOTTY");
	CHECK_EQ(ioctl_(fd, 0x20007461UL /* TIOCSCTTY */, 0), -ENOTTY, "tty ioctl on a tap: ENOTTY");

	int fd42 = open("/dev/tap42", O_RDWR | O_NONBLOCK);
	CHECK(fd42 >= 0, "open /dev/tap42");
	char n42[32];
	CHECK_EQ(tap_unit(fd42, n42, sizeof(n42)), 42, "FIODNAME: tap42 (%s)", n42);
	CHECK_EQ(fstat(fd42, &st), 0, "fstat tap42");
	CHECK_EQ(st.st_rdev & 0xffff00ff, 42, "minor 42");
	int again = open("/dev/tap42", O_RDWR | O_NONBLOCK);
	CHECK_EQ(again, -1, "tap42 a second time is refused (errno %d)", errno);
	close(fd42);
	close(fd);
	close(s);
}

static void many(int n)
{
	int fds[64], units[64];
	char names[64][16];
	int s = inet_sock();
	int ok = 1, distinct = 1, exist = 1;
	for (int i = 0; i < n; i++) {
		fds[i] = open("/dev/tap", O_RDWR | O_NONBLOCK);
		if (fds[i] < 0) { ok = 0; n = i; break; }
		units[i] = tap_unit(fds[i], names[i], sizeof(names[i]));
		for (int j = 0; j < i; j++)
			if (units[j] == units[i]) distinct = 0;
		if (get_flags(s, names[i]) < 0) exist = 0;
	}
	CHECK(ok, "opened %d clones", n);
	CHECK(distinct, "distinct units");
	CHECK(exist, "each interface exists on the host");
	printf("units");
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	int gone = 1;
	for (int i = 0; i < n; i++)
		if (get_flags(s, names[i]) != -6) gone = 0;
	CHECK(gone, "closing destroyed every cloned interface (ENXIO afterwards)");
	int fd = open("/dev/tap", O_RDWR | O_NONBLOCK);
	char name[16];
	CHECK_EQ(tap_unit(fd, name, sizeof(name)), 0, "the lowest unit is free again");
	close(fd);
	close(s);
}

/* ---- a minimal ARP / ICMP echo responder ---- */

static unsigned short csum(const unsigned char *p, int n)
{
	unsigned long sum = 0;
	for (int i = 0; i + 1 < n; i += 2)
		sum += (unsigned)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (unsigned)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

struct nic { int fd; char name[16]; unsigned char mac[6]; unsigned ip; int echoes, arps; };

/* Answers one frame; returns 1 when it was an echo request. */
static int answer(struct nic *n, unsigned char *f, long len)
{
	if (len < 14)
		return 0;
	unsigned type = (unsigned)f[12] << 8 | f[13];
	if (type == 0x0806 && len >= 42) {
		unsigned char *a = f + 14;
		unsigned tip;
		memcpy(&tip, a + 24, 4);
		if (a[6] != 0 || a[7] != 1 || tip != n->ip)
			return 0;
		a[7] = 2; /* reply */
		memcpy(a + 18, a + 8, 10); /* target = sender */
		memcpy(a + 8, n->mac, 6);
		memcpy(a + 14, &n->ip, 4);
		memcpy(f, f + 6, 6);
		memcpy(f + 6, n->mac, 6);
		n->arps++;
		write(n->fd, f, 42);
		return 0;
	}
	if (type == 0x0800 && len >= 34) {
		unsigned char *ip = f + 14;
		int ihl = (ip[0] & 15) * 4;
		int tot = ip[2] << 8 | ip[3];
		unsigned dst;
		memcpy(&dst, ip + 16, 4);
		if (dst != n->ip || ip[9] != 1 || 14 + tot > len)
			return 0;
		unsigned char *ic = ip + ihl;
		if (ic[0] != 8)
			return 0;
		ic[0] = 0;
		ic[2] = ic[3] = 0;
		unsigned short c = csum(ic, tot - ihl);
		ic[2] = c >> 8;
		ic[3] = c & 0xff;
		memcpy(ip + 16, ip + 12, 4);
		memcpy(ip + 12, &n->ip, 4);
		ip[10] = ip[11] = 0;
		c = csum(ip, ihl);
		ip[10] = c >> 8;
		ip[11] = c & 0xff;
		memcpy(f, f + 6, 6);
		memcpy(f + 6, n->mac, 6);
		write(n->fd, f, 14 + tot);
		n->echoes++;
		return 1;
	}
	return 0;
}

static int open_nic(struct nic *n, int s, const char *ip)
{
	n->fd = open("/dev/tap", O_RDWR | O_NONBLOCK);
	if (n->fd < 0 || tap_unit(n->fd, n->name, sizeof(n->name)) < 0)
		return -1;
	if (set_up(s, n->name) < 0)
		return -1;
	if (ioctl_(n->fd, SIOCGIFADDR, n->mac) < 0)
		return -1;
	n->mac[1]++; /* the vke rule: the tap's MAC with byte 1 incremented */
	n->ip = parse_ip(ip);
	n->echoes = n->arps = 0;
	return 0;
}

static void serve(const char *bridge, const char *hostspec, const char *ipa, const char *ipb, int secs)
{
	int s = inet_sock();
	struct nic a, b;
	CHECK_EQ(open_nic(&a, s, ipa), 0, "tap 1 open and up (%s)", a.name);
	CHECK_EQ(open_nic(&b, s, ipb), 0, "tap 2 open and up (%s)", b.name);

	/* tap 1: the host side gets an address (netif_set_tapaddr). */
	char host[32];
	snprintf(host, sizeof(host), "%s", hostspec);
	char *slash = strchr(host, '/');
	int len = slash ? (int)strtol(slash + 1, NULL, 10) : 0;
	if (slash)
		*slash = 0;
	struct ifaliasreq ra;
	memset(&ra, 0, sizeof(ra));
	snprintf(ra.name, sizeof(ra.name), "%s", a.name);
	ra.addr.len = sizeof(struct sin);
	ra.addr.family = 2;
	ra.addr.addr = parse_ip(host);
	if (len) {
		ra.mask.len = sizeof(struct sin);
		unsigned m = 0xffffffffu << (32 - len);
		ra.mask.addr = (m >> 24) | ((m >> 8) & 0xff00) | ((m << 8) & 0xff0000) | (m << 24);
	}
	CHECK_EQ(ioctl_(s, SIOCAIFADDR, &ra), 0, "SIOCAIFADDR %s on %s", hostspec, a.name);

	/* tap 2: a port of the bridge (netif_add_tap2brg). */
	struct ifbreq br;
	struct ifdrv d;
	memset(&br, 0, sizeof(br));
	snprintf(br.ifsname, sizeof(br.ifsname), "%s", b.name);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", bridge);
	d.cmd = 0; /* BRDGADD */
	d.len = sizeof(br);
	d.data = &br;
	CHECK_EQ(ioctl_(s, SIOCSDRVSPEC, &d), 0, "BRDGADD %s to %s", b.name, bridge);
	CHECK_EQ(ioctl_(s, SIOCSDRVSPEC, &d), -EEXIST, "BRDGADD again: EEXIST");
	snprintf(d.name, sizeof(d.name), "nobridge9");
	CHECK_EQ(ioctl_(s, SIOCSDRVSPEC, &d), -6, "BRDGADD to a missing bridge: ENXIO");
	close(s);

	int kq = (int)__dfly_sc0(SYS_kqueue);
	struct kev ch = { (unsigned long)a.fd, -1 /* EVFILT_READ */, 0x1 | 0x4 /* ADD|ENABLE */, 0, 0, 0 };
	CHECK_EQ(__dfly_sc6(SYS_kevent, kq, L(&ch), 1, 0, 0, 0), 0, "kqueue: EVFILT_READ on tap 1");

	printf("ready %s %s\n", a.name, b.name);
	fflush(stdout);

	struct kev got;
	struct { long sec, nsec; } kts = { secs, 0 };
	long nk = __dfly_sc6(SYS_kevent, kq, 0, 0, L(&got), 1, L(&kts));
	CHECK(nk == 1 && got.ident == (unsigned long)a.fd, "kqueue reports tap 1 readable when the host sends");

	long end = now_ms() + secs * 1000L;
	unsigned char frame[2048];
	struct { long sec, usec; } tv = { 0, 200000 };
	while (now_ms() < end && (a.echoes < 3 || b.echoes < 3)) {
		unsigned long rset[16];
		memset(rset, 0, sizeof(rset));
		rset[a.fd / 64] |= 1UL << (a.fd % 64);
		rset[b.fd / 64] |= 1UL << (b.fd % 64);
		int maxfd = a.fd > b.fd ? a.fd : b.fd;
		long r = __dfly_sc5(SYS_select, L(maxfd + 1), L(rset), L(0), L(0), L(&tv));
		if (r < 0)
			break;
		struct nic *ns[2] = { &a, &b };
		for (int i = 0; i < 2; i++) {
			long n;
			while ((n = read(ns[i]->fd, frame, sizeof(frame))) > 0)
				answer(ns[i], frame, n);
		}
	}
	CHECK(tv.sec == 0 && tv.usec == 200000, "select never rewrote its timeout");
	CHECK(a.arps >= 1, "answered ARP on %s (%d)", a.name, a.arps);
	CHECK(a.echoes >= 3, "answered 3 echo requests on %s (%d)", a.name, a.echoes);
	CHECK(b.arps >= 1, "answered ARP through the bridge on %s (%d)", b.name, b.arps);
	CHECK(b.echoes >= 3, "answered 3 echo requests through the bridge on %s (%d)", b.name, b.echoes);
	close(a.fd);
	close(b.fd);
}

static void sock(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK);
	CHECK(fd < 0, "open() of a socket path fails (errno %d)", errno);
	fd = (int)sc(SYS_socket, 1 /* AF_UNIX */, 5 /* SOCK_SEQPACKET */, 0);
	CHECK(fd >= 0, "AF_UNIX SOCK_SEQPACKET socket");
	struct { unsigned char len, family; char path[104]; } sun;
	memset(&sun, 0, sizeof(sun));
	snprintf(sun.path, sizeof(sun.path), "%s", path);
	int len = 2 + (int)strlen(sun.path) + 1;
	sun.len = (unsigned char)len;
	sun.family = 1;
	CHECK_EQ(sc(98 /* connect */, fd, L(&sun), len), 0, "connect to %s", path);
	int sndbuf = 262144;
	CHECK_EQ(__dfly_sc5(105 /* setsockopt */, fd, 0xffff, 0x1001 /* SO_SNDBUF */, L(&sndbuf), 4), 0, "SO_SNDBUF 256 KiB");
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0, "fstat");
	CHECK((st.st_mode & S_IFMT) == 0140000, "a socket (mode %o)", st.st_mode);
	CHECK_EQ(sc(SYS_fcntl, fd, 4 /* F_SETFL */, O_NONBLOCK), 0, "F_SETFL O_NONBLOCK");
	unsigned char frame[60], back[2048];
	for (int i = 0; i < 60; i++)
		frame[i] = (unsigned char)(i * 3 + 1);
	CHECK_EQ(write(fd, frame, 60), 60, "one frame out");
	unsigned long rset[16];
	struct { long sec, usec; } tv = { 5, 0 };
	memset(rset, 0, sizeof(rset));
	rset[fd / 64] = 1UL << (fd % 64);
	CHECK_EQ(__dfly_sc5(SYS_select, L(fd + 1), L(rset), L(0), L(0), L(&tv)), 1, "select: the echo arrives");
	long n = read(fd, back, sizeof(back));
	CHECK(n == 60 && memcmp(back, frame, 60) == 0, "one record back, the same frame (%ld)", n);
	CHECK_ERRNO(read(fd, back, sizeof(back)), EAGAIN, "then EAGAIN");
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "basic") == 0)
		basic();
	else if (argc >= 3 && strcmp(argv[1], "many") == 0)
		many(atoi(argv[2]));
	else if (argc >= 7 && strcmp(argv[1], "serve") == 0)
		serve(argv[2], argv[3], argv[4], argv[5], atoi(argv[6]));
	else if (argc >= 3 && strcmp(argv[1], "sock") == 0)
		sock(argv[2]);
	else {
		printf("usage: tapdev basic | many N | serve BRIDGE HOST/LEN A B SECS | sock PATH\n");
		return 64;
	}
	return vkt_done();
}
