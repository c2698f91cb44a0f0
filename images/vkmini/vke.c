/*
 * vke: virtual Ethernet on host tap(4) devices (vkernel-host-abi.md §6.3).
 *
 * Before boot each -I argument is opened and the host side configured the
 * way a VKERNEL64 does it: open(O_RDWR|O_NONBLOCK) of /dev/tap (auto),
 * /dev/tapN or a path (else a vknetd-style SOCK_SEQPACKET socket), fstat,
 * FIODNAME for the tap unit, SIOCGIFFLAGS/SIOCSIFFLAGS for IFF_UP, then
 * SIOCAIFADDR or SIOCSDRVSPEC(BRDGADD) as the argument asks. At boot the MAC
 * comes from TAPGIFINFO + SIOCGIFADDR on the tap fd (byte 1 + 1), and two
 * cothreads move frames: RX does non-blocking read()s into a KVA ring and
 * select()s with a 0.5 s timeval when there is nothing; TX write()s the
 * frames the kernel queued. Both send SIGALRM to the vCPU that created them
 * every 9 frames (RX also when it runs dry); that vCPU's interrupt
 * (vke_intr) hands the received frames to inet.c and wakes the senders
 * waiting for ring space.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/lwp.h>
#include <sys/syscall.h>
#include <vkthread.h>
#include "vke.h"

#define L(x) ((long)(x))
#define SYS_socket     97
#define SYS_connect    98
#define SYS_setsockopt 105
#define FIODNAME     0x80106678UL
#define SIOCGIFFLAGS 0xC0206911UL
#define SIOCSIFFLAGS 0x80206910UL
#define SIOCAIFADDR  0x8040691AUL
#define SIOCSDRVSPEC 0x8028697BUL
#define TAPGIFINFO   0x4008745CUL
#define SIOCGIFADDR  0xC0206921UL
#define IFF_UP 0x1
#define BRDGADD 0

#define BATCH 9				/* frames per SIGALRM */

char *vke_opt[NVKE];
int nvke_opt;
static struct vke vke[NVKE];
static int nvke;


static int parse_ip(const char *s, unsigned *out)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++) {
		char *end;
		if (*s < '0' || *s > '9')
			return 0;
		unsigned long v = strtoul(s, &end, 10);
		if (v > 255 || (i < 3 ? *end != '.' : *end != 0))
			return 0;
		b[i] = (unsigned char)v;
		s = end + 1;
	}
	memcpy(out, b, 4);		/* network order */
	return 1;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);
		if (end == s || v > 255 || (i < 5 ? *end != ':' : *end != 0))
			return 0;
		mac[i] = (unsigned char)v;
		s = end + 1;
	}
	return 1;
}

const char *ipstr(unsigned ip, char *buf)
{
	const unsigned char *b = (const unsigned char *)&ip;
	ksnprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

/* ---------------------------------------------------------------- host side, before boot */

static long ioctl3(int fd, unsigned long req, void *arg)
{
	return __dfly_sc3(SYS_ioctl, fd, L(req), L(arg));
}

/* struct ifreq: the name, then ifr_flags (u16) @16 and ifr_flagshigh (u16) @18. */
static int tap_up(int unit, int s)
{
	unsigned char ifr[32];
	memset(ifr, 0, sizeof(ifr));
	ksnprintf((char *)ifr, 16, "tap%d", unit);
	long r = ioctl3(s, SIOCGIFFLAGS, ifr);
	if (r < 0) {
		fprintf(stderr, "vkmini: tap%d: ioctl(SIOCGIFFLAGS) failed: %s\n", unit, strerror((int)-r));
		return -1;
	}
	unsigned flags = (unsigned)(ifr[16] | ifr[17] << 8) | (unsigned)(ifr[18] | ifr[19] << 8) << 16;
	if (flags & IFF_UP)
		return 0;
	flags |= IFF_UP;
	memset(ifr, 0, 16);
	ksnprintf((char *)ifr, 16, "tap%d", unit);
	ifr[16] = (unsigned char)flags;
	ifr[17] = (unsigned char)(flags >> 8);
	ifr[18] = (unsigned char)(flags >> 16);
	ifr[19] = (unsigned char)(flags >> 24);
	if ((r = ioctl3(s, SIOCSIFFLAGS, ifr)) < 0) {
		fprintf(stderr, "vkmini: tap%d: ioctl(SIOCSIFFLAGS) failed: %s\n", unit, strerror((int)-r));
		return -1;
	}
	return 0;
}

/* struct ifaliasreq: name, ifra_addr @16, ifra_broadaddr @32 (zero), ifra_mask @48 (BSD sockaddr_in each). */
static int tap_addr(int unit, unsigned addr, unsigned mask, int s)
{
	unsigned char ifra[64];
	memset(ifra, 0, sizeof(ifra));
	ksnprintf((char *)ifra, 16, "tap%d", unit);
	ifra[16] = 16;			/* sin_len */
	ifra[17] = 2;			/* AF_INET */
	memcpy(ifra + 20, &addr, 4);
	if (mask) {
		ifra[48] = 16;
		memcpy(ifra + 52, &mask, 4);
	}
	long r = ioctl3(s, SIOCAIFADDR, ifra);
	if (r < 0) {
		fprintf(stderr, "vkmini: tap%d: ioctl(SIOCAIFADDR) failed: %s\n", unit, strerror((int)-r));
		return -1;
	}
	return 0;
}

/* struct ifdrv { name[16]; u64 cmd; u64 len; void *data; } -> struct ifbreq (112 bytes) naming the tap. */
static int tap_bridge(int unit, const char *bridge, int s)
{
	unsigned char ifbr[112], ifd[40];
	memset(ifbr, 0, sizeof(ifbr));
	memset(ifd, 0, sizeof(ifd));
	ksnprintf((char *)ifbr, 16, "tap%d", unit);
	strlcpy((char *)ifd, bridge, 16);
	unsigned long cmd = BRDGADD, len = sizeof(ifbr);
	void *data = ifbr;
	memcpy(ifd + 16, &cmd, 8);
	memcpy(ifd + 24, &len, 8);
	memcpy(ifd + 32, &data, 8);
	long r = ioctl3(s, SIOCSDRVSPEC, ifd);
	if (r < 0 && r != -EEXIST) {		/* EEXIST: already a member */
		fprintf(stderr, "vkmini: ioctl(%s, SIOCSDRVSPEC) failed: %s\n", bridge, strerror((int)-r));
		return -1;
	}
	return 0;
}

/* A vknetd-style socket: SOCK_SEQPACKET, one frame per record. */
static int unix_connect(const char *path)
{
	unsigned char sun[106];
	int len = 2 + (int)strlen(path) + 1;
	if (len > (int)sizeof(sun))
		return -1;
	memset(sun, 0, sizeof(sun));
	sun[0] = (unsigned char)len;
	sun[1] = 1;			/* AF_UNIX */
	memcpy(sun + 2, path, strlen(path));
	int fd = (int)__dfly_sc3(SYS_socket, 1, 5, 0);
	if (fd < 0)
		return -1;
	if (__dfly_sc3(SYS_connect, fd, L(sun), len) < 0) {
		close(fd);
		return -1;
	}
	int sndbuf = 262144;
	__dfly_sc5(SYS_setsockopt, fd, 0xffff, 0x1001, L(&sndbuf), sizeof(sndbuf));
	struct stat st;
	if (fstat(fd, &st) == 0)
		fprintf(stderr, "Network socket buffer: %ld bytes\n", (long)st.st_blksize);
	__dfly_sc3(SYS_fcntl, fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* The tap unit named by FIODNAME (fdevname), or -1. */
static int tap_unit_of(int fd)
{
	char name[64];
	struct { char *name; unsigned len; } arg = { name, sizeof(name) };
	memset(name, 0, sizeof(name));
	if (ioctl3(fd, FIODNAME, &arg) < 0)
		return -1;
	char *t = strstr(name, "tap");
	return t ? (int)strtol(t + 3, 0, 10) : -1;
}

/* Open one interface; returns the fd, or -1 after a message. */
static int open_tap(struct vke *v, const char *iface, int s)
{
	char path[256];
	int fd;
	v->tap_unit = -1;
	if (strcmp(iface, "auto") == 0) {
		strlcpy(path, "/dev/tap", sizeof(path));
		fd = open(path, O_RDWR | O_NONBLOCK);
		if (fd < 0) {
			fprintf(stderr, "vkmini: Unable to find a free tap(4): %s\n", strerror(errno));
			return -1;
		}
	} else {
		if (iface[0] == '/')
			strlcpy(path, iface, sizeof(path));
		else
			ksnprintf(path, sizeof(path), "/dev/%s", iface);
		fd = open(path, O_RDWR | O_NONBLOCK);
		int err = errno;
		if (fd < 0)
			fd = unix_connect(path);
		if (fd < 0) {
			fprintf(stderr, "vkmini: Unable to open %s: %s\n", path, strerror(err));
			return -1;
		}
	}
	struct stat st;
	int ok = 0;
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		v->tap_unit = tap_unit_of(fd);
		ok = v->tap_unit >= 0 && tap_up(v->tap_unit, s) == 0;
	} else if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		ok = 1;
	if (!ok) {
		fprintf(stderr, "vkmini: %s is not a tap(4) device or socket\n", path);
		close(fd);
		v->tap_unit = -1;
		return -1;
	}
	return fd;
}

static char *token(char **s, const char *delims)
{
	char *t = *s;
	if (!t || !*t)
		return 0;
	char *e = t + strcspn(t, delims);
	*s = *e ? e + 1 : e;
	*e = 0;
	return t;
}

/*
 * The rest of -I after the interface (vkernel(7) forms): A, A/len, A:B,
 * A:B/len, bridgeX, bridgeX:B, bridgeX:B/len. A goes to the tap, the
 * bridge gets the tap, B (with /len) is the guest's own address.
 */
static int config_tap(struct vke *v, char *rest, int s)
{
	unsigned tapaddr = 0, mask = 0, addr = 0;
	const char *bridge = 0, *masklen = 0;
	char *tok = token(&rest, ":/");
	if (tok) {
		int next_is_addr = 0;
		if (!parse_ip(tok, &tapaddr)) {
			bridge = tok;
			next_is_addr = 1;
		}
		if ((tok = token(&rest, ":/"))) {
			if (parse_ip(tok, &addr))
				masklen = token(&rest, "/");
			else if (next_is_addr) {
				fprintf(stderr, "vkmini: Invalid pseudo netif address: %s\n", tok);
				return -1;
			} else
				masklen = tok;
			if (masklen) {
				unsigned long n = strtoul(masklen, 0, 10);
				if (n == 0 || n >= 32) {
					fprintf(stderr, "vkmini: Invalid netmask len: %lu\n", n);
					return -1;
				}
				unsigned m = 0xffffffffu << (32 - n);
				mask = (m >> 24) | (m >> 8 & 0xff00) | (m << 8 & 0xff0000) | m << 24;
			}
			if (token(&rest, ":/")) {
				fprintf(stderr, "vkmini: Invalid argument to '-I'\n");
				return -1;
			}
		}
		if (v->tap_unit >= 0 && !bridge && tap_addr(v->tap_unit, tapaddr, mask, s) < 0)
			return -1;
		if (v->tap_unit >= 0 && bridge && tap_bridge(v->tap_unit, bridge, s) < 0)
			return -1;
	}
	v->addr = addr;
	v->mask = mask;
	return 0;
}

void vke_open_all(void)
{
	if (nvke_opt == 0)
		return;
	int s = (int)__dfly_sc3(SYS_socket, 2, 2, 0);	/* AF_INET, SOCK_DGRAM: for the SIOC ioctls */
	if (s < 0) {
		fprintf(stderr, "vkmini: socket(AF_INET) for the interface ioctls: %s\n", strerror((int)-s));
		return;
	}
	for (int i = 0; i < nvke_opt; i++) {
		struct vke *v = &vke[nvke];
		char arg[256], *rest = arg;
		memset(v, 0, sizeof(*v));
		v->unit = nvke;
		strlcpy(v->name, vke_opt[i], sizeof(v->name));
		strlcpy(arg, vke_opt[i], sizeof(arg));
		char *eq = strchr(arg, '=');
		if (eq) {
			*eq = 0;
			strlcpy(v->macarg, eq + 1, sizeof(v->macarg));
		}
		char *iface = token(&rest, ":");
		if (!iface) {
			fprintf(stderr, "vkmini: Invalid argument to '-I'\n");
			continue;
		}
		int fd = open_tap(v, iface, s);
		if (fd < 0)
			continue;
		v->fd = fd;
		if (config_tap(v, rest, s) < 0) {
			close(fd);			/* closing the tap brings it down */
			continue;
		}
		nvke++;
	}
	close(s);
}

/* ---------------------------------------------------------------- cothreads */

static void intr_creator(struct vke *v)
{
	lwp_kill(-1, v->creator, SIGALRM);
}

static void *rx_thread(void *arg)
{
	struct vke *v = arg;
	unsigned char fds[128];			/* fd_set, FD_SETSIZE 1024 */
	struct { long sec, usec; } tv = { 0, 500000 };	/* set once: DragonFly's select leaves it alone */
	int pending = 0;
	cothread_init();
	for (;;) {
		unsigned head = v->rx.head;
		if (head - __atomic_load_n(&v->rx.tail, __ATOMIC_ACQUIRE) >= RING) {
			usleep(20000);			/* the ring is full: let the kernel catch up */
			continue;
		}
		long n = __dfly_sc3(SYS_read, v->fd, L(v->rx.slot + (head % RING) * FRAME), FRAME);
		if (n > 0) {
			v->rx.len[head % RING] = (unsigned short)n;
			__atomic_store_n(&v->rx.head, head + 1, __ATOMIC_RELEASE);
			v->ipackets++;
			v->ibytes += (unsigned long)n;
			if (++pending == BATCH) {
				intr_creator(v);
				pending = 0;
			}
			continue;
		}
		if (pending) {
			intr_creator(v);
			pending = 0;
		}
		memset(fds, 0, sizeof(fds));
		fds[v->fd / 8] |= (unsigned char)(1 << (v->fd % 8));
		long r = __dfly_sc5(SYS_select, v->fd + 1, L(fds), 0, 0, L(&tv));
		if (r < 0 && r != -EINTR) {
			kprintf("vke: select on fd %d failed: %s\n", v->fd, strerror((int)-r));
			usleep(1000000);
		}
	}
	return 0;
}

static void *tx_thread(void *arg)
{
	struct vke *v = arg;
	char buf[FRAME];
	int sent = 0;
	cothread_init();
	for (;;) {
		int seq = v->txseq;
		unsigned tail = v->tx.tail;
		if (tail == __atomic_load_n(&v->tx.head, __ATOMIC_ACQUIRE)) {
			if (sent) {
				intr_creator(v);	/* the kernel may be waiting for ring space */
				sent = 0;
			}
			__dfly_sc3(SYS_umtx_sleep, L(&v->txseq), seq, 1000000);
			continue;
		}
		unsigned len = v->tx.len[tail % RING];
		memcpy(buf, v->tx.slot + (tail % RING) * FRAME, len);
		__atomic_store_n(&v->tx.tail, tail + 1, __ATOMIC_RELEASE);
		long r = __dfly_sc3(SYS_write, v->fd, L(buf), len);
		if (r < 0)
			v->oerrors++;
		else {
			v->opackets++;
			v->obytes += len;
		}
		if (++sent == BATCH) {
			intr_creator(v);
			sent = 0;
		}
	}
	return 0;
}

void vke_attach_all(void)
{
	for (int i = 0; i < nvke; i++) {
		struct vke *v = &vke[i];
		v->mtu = 1500;
		if (!v->macarg[0] || !parse_mac(v->macarg, v->mac)) {
			memset(v->mac, 0, 6);
			if (v->tap_unit >= 0) {
				unsigned char ti[8];
				/* the tap answers with its 6-byte address; fill the rest to see if it writes more */
				struct { unsigned char mac[6], guard[26]; } ea;
				memset(&ea, 0xa5, sizeof(ea));
				long r = ioctl3(v->fd, TAPGIFINFO, ti);
				if (r < 0) {
					kprintf("vke%d: ioctl(TAPGIFINFO) failed: %s\n", i, strerror((int)-r));
					continue;
				}
				if ((r = ioctl3(v->fd, SIOCGIFADDR, ea.mac)) < 0) {
					kprintf("vke%d: ioctl(SIOCGIFADDR) failed: %s\n", i, strerror((int)-r));
					continue;
				}
				short mtu;
				memcpy(&mtu, ti + 4, 2);
				if (mtu > 0)
					v->mtu = mtu;
				memcpy(v->mac, ea.mac, 6);
				for (int k = 0; k < (int)sizeof(ea.guard); k++)
					if (ea.guard[k] != 0xa5) {
						kprintf("vke%d: warning: SIOCGIFADDR wrote past the 6-byte address\n", i);
						break;
					}
			} else {
				int fd = open("/dev/urandom", O_RDONLY);
				if (fd >= 0) {
					if (read(fd, v->mac + 2, 4) < 0)
						v->mac[2] = 0;
					close(fd);
				}
				v->mac[4] = (unsigned char)(getpid() >> 8);
				v->mac[5] = (unsigned char)getpid();
			}
			v->mac[1] += 1;
		}
		if (v->mac[0] & 1) {
			kprintf("vke%d: illegal MULTICAST ether mac!\n", i);
			continue;
		}
		v->rx.slot = kmem_alloc(RING * FRAME);
		v->tx.slot = kmem_alloc(RING * FRAME);
		v->creator = mycpu()->gd_tid;
		if (cothread_start(rx_thread, v) != 0 || cothread_start(tx_thread, v) != 0)
			panic("vke%d: cannot start its cothreads", i);
		char a[16];
		kprintf("vke%d: <%s> tap%d, MAC %02x:%02x:%02x:%02x:%02x:%02x, inet %s\n", i, v->name, v->tap_unit,
		        v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5],
		        v->addr ? ipstr(v->addr, a) : "none");
	}
}

int vke_count(void) { return nvke; }

int vke_sysctl(int unit, const char **name, int *tap_unit)
{
	if (unit < 0 || unit >= nvke)
		return 0;
	*name = "tap_unit";
	*tap_unit = vke[unit].tap_unit;
	return 1;
}

struct vke *vke_unit(int unit)
{
	return unit >= 0 && unit < nvke && vke[unit].rx.slot ? &vke[unit] : 0;
}

/* ---------------------------------------------------------------- rings */

/* The next free TX slot, or 0 when the ring is full. Callers hold the kernel lock (one producer). */
unsigned char *tx_slot(struct vke *v)
{
	if (v->tx.head - __atomic_load_n(&v->tx.tail, __ATOMIC_ACQUIRE) >= RING)
		return 0;
	return (unsigned char *)v->tx.slot + (v->tx.head % RING) * FRAME;
}

void tx_commit(struct vke *v, unsigned len)
{
	v->tx.len[v->tx.head % RING] = (unsigned short)len;
	__atomic_store_n(&v->tx.head, v->tx.head + 1, __ATOMIC_RELEASE);
}

void tx_kick(struct vke *v)
{
	__atomic_add_fetch(&v->txseq, 1, __ATOMIC_RELEASE);
	__dfly_sc2(SYS_umtx_wakeup, L(&v->txseq), 1);
}

/* SIGALRM from the cothreads, with the kernel lock held: take in frames, wake senders. */
void vke_intr(void)
{
	for (int i = 0; i < nvke; i++) {
		struct vke *v = &vke[i];
		unsigned head = __atomic_load_n(&v->rx.head, __ATOMIC_ACQUIRE);
		for (unsigned t = v->rx.tail; t != head; t++) {
			inet_input(v, (unsigned char *)v->rx.slot + (t % RING) * FRAME, v->rx.len[t % RING]);
			__atomic_store_n(&v->rx.tail, t + 1, __ATOMIC_RELEASE);
		}
		if (v->rx.slot && tx_slot(v))
			wakeup(&v->tx);		/* senders waiting for room, or for the ring to drain */
	}
}

int vke_text(char *buf, unsigned long len)
{
	int o = 0;
	for (int i = 0; i < nvke && (unsigned long)o + 1 < len; i++) {
		struct vke *v = &vke[i];
		char a[16];
		unsigned mask = v->mask;
		const unsigned char *mb = (const unsigned char *)&mask;
		o += ksnprintf(buf + o, len - (unsigned long)o,
		               "vke%d: %s mtu %d, tap unit %d (-I %s)\n"
		               "      ether %02x:%02x:%02x:%02x:%02x:%02x inet %s netmask 0x%02x%02x%02x%02x\n"
		               "      in %lu frames %lu bytes (arp %lu icmp %lu udp %lu), out %lu frames %lu bytes, "
		               "%lu errors, %lu drops\n",
		               i, v->rx.slot ? "UP" : "DOWN", v->mtu, v->tap_unit, v->name,
		               v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5],
		               v->addr ? ipstr(v->addr, a) : "none", mb[0], mb[1], mb[2], mb[3],
		               v->ipackets, v->ibytes, v->arp_in, v->icmp_in, v->udp_in, v->opackets, v->obytes,
		               v->oerrors, v->odrops);
	}
	return o;
}
