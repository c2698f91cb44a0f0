/*
 * The little bit of IPv4 vkmini speaks on a vke interface, all of it in the
 * interrupt (vke_intr) or in a system call, with the kernel lock held:
 * ARP (answering for the guest address, learning peers), ICMP echo (answering
 * pings; sending them for netbench ping and timing the replies) and UDP
 * frames blasted out for netbench udp.
 */
#include <string.h>
#include <errno.h>
#include "vke.h"

#define ETHERTYPE_IP  0x0800
#define ETHERTYPE_ARP 0x0806
#define PING_ID 0x764b

static unsigned short be16(const unsigned char *p) { return (unsigned short)(p[0] << 8 | p[1]); }
static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }

static unsigned short cksum(const unsigned char *p, unsigned long n)
{
	unsigned long sum = 0;
	for (; n > 1; p += 2, n -= 2)
		sum += (unsigned)(p[0] << 8 | p[1]);
	if (n)
		sum += (unsigned)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

static void arp_learn(struct vke *v, unsigned ip, const unsigned char *mac)
{
	int slot = -1;
	for (int i = 0; i < 8; i++)
		if (v->arp[i].ip == ip)
			slot = i;
	if (slot < 0) {
		slot = v->arpnext;
		v->arpnext = (v->arpnext + 1) % 8;
	}
	v->arp[slot].ip = ip;
	memcpy(v->arp[slot].mac, mac, 6);
}

static const unsigned char *arp_find(struct vke *v, unsigned ip)
{
	for (int i = 0; i < 8; i++)
		if (v->arp[i].ip == ip && ip)
			return v->arp[i].mac;
	return 0;
}

static void arp_send(struct vke *v, int op, const unsigned char *tha, unsigned tpa)
{
	static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned char *f = tx_slot(v);
	if (!f) {
		v->odrops++;
		return;
	}
	memset(f, 0, 60);
	memcpy(f, op == 1 ? bcast : tha, 6);
	memcpy(f + 6, v->mac, 6);
	put16(f + 12, ETHERTYPE_ARP);
	put16(f + 14, 1);			/* Ethernet */
	put16(f + 16, ETHERTYPE_IP);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, (unsigned)op);
	memcpy(f + 22, v->mac, 6);
	memcpy(f + 28, &v->addr, 4);
	if (op == 2)
		memcpy(f + 32, tha, 6);
	memcpy(f + 38, &tpa, 4);
	tx_commit(v, 60);
	tx_kick(v);
}

/* An IPv4 header for len bytes of payload from us to dst. */
static void ip_header(struct vke *v, unsigned char *ip, unsigned dst, int proto, unsigned len)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 20 + len);
	put16(ip + 4, v->ipid++);
	ip[8] = 64;
	ip[9] = (unsigned char)proto;
	memcpy(ip + 12, &v->addr, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, cksum(ip, 20));
}

static void icmp_input(struct vke *v, const unsigned char *f, unsigned n, unsigned ihl, unsigned totlen)
{
	const unsigned char *icmp = f + 14 + ihl;
	unsigned ilen = totlen - ihl;
	if (ilen < 8)
		return;
	v->icmp_in++;
	if (icmp[0] == 0 && be16(icmp + 4) == PING_ID && be16(icmp + 6) == v->ping_seq && !v->ping_got) {
		v->ping_rtt = nanotime() - v->ping_sent;
		v->ping_got = 1;
		wakeup(&v->ping_seq);
		return;
	}
	if (icmp[0] != 8)
		return;
	/* echo request: the same frame back, addresses swapped, type 0 */
	unsigned char *r = tx_slot(v);
	if (!r) {
		v->odrops++;
		return;
	}
	unsigned src;
	memcpy(&src, f + 14 + 12, 4);
	memcpy(r, f + 6, 6);
	memcpy(r + 6, v->mac, 6);
	put16(r + 12, ETHERTYPE_IP);
	ip_header(v, r + 14, src, 1, ilen);
	unsigned char *ri = r + 14 + 20;
	memcpy(ri, icmp, ilen);
	ri[0] = 0;
	ri[2] = ri[3] = 0;
	put16(ri + 2, cksum(ri, ilen));
	tx_commit(v, 14 + 20 + ilen);
	tx_kick(v);
}

void inet_input(struct vke *v, const unsigned char *f, unsigned n)
{
	static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (n < 14 || (memcmp(f, v->mac, 6) != 0 && memcmp(f, bcast, 6) != 0))
		return;				/* not for us (a bridge floods) */
	unsigned type = be16(f + 12);
	if (type == ETHERTYPE_ARP && n >= 42 && be16(f + 16) == ETHERTYPE_IP) {
		unsigned spa, tpa;
		memcpy(&spa, f + 28, 4);
		memcpy(&tpa, f + 38, 4);
		v->arp_in++;
		if (spa)
			arp_learn(v, spa, f + 22);
		if (be16(f + 20) == 1 && v->addr && tpa == v->addr)
			arp_send(v, 2, f + 22, spa);
		return;
	}
	if (type != ETHERTYPE_IP || n < 34 || (f[14] >> 4) != 4)
		return;
	unsigned ihl = (f[14] & 15) * 4u, totlen = be16(f + 16);
	unsigned dst;
	memcpy(&dst, f + 30, 4);
	if (!v->addr || dst != v->addr || ihl < 20 || totlen < ihl || 14 + totlen > n)
		return;
	if (f[23] == 1)
		icmp_input(v, f, n, ihl, totlen);
	else if (f[23] == 17)
		v->udp_in++;
}

/* ---------------------------------------------------------------- netctl(): what netbench uses */

/* The peer's MAC, or 0 after asking for it with an ARP request. */
static const unsigned char *resolve(struct vke *v, unsigned ip)
{
	const unsigned char *mac = arp_find(v, ip);
	if (!mac)
		arp_send(v, 1, 0, ip);
	return mac;
}

static long net_udp(struct proc *p, struct vke *v, struct vk_netreq *rq)
{
	const unsigned char *mac = resolve(v, rq->ip);
	if (!mac)
		return -EAGAIN;
	unsigned size = rq->size > 1472 ? 1472 : rq->size;
	unsigned long queued = 0;
	unsigned char *f;
	while (queued < rq->count && (f = tx_slot(v))) {
		memcpy(f, mac, 6);
		memcpy(f + 6, v->mac, 6);
		put16(f + 12, ETHERTYPE_IP);
		ip_header(v, f + 14, rq->ip, 17, 8 + size);
		unsigned char *u = f + 34;
		put16(u, 40000 + (unsigned)v->unit);
		put16(u + 2, rq->port);
		put16(u + 4, 8 + size);
		u[6] = u[7] = 0;		/* no UDP checksum (allowed for IPv4) */
		unsigned seq = rq->seq + (unsigned)queued;
		memset(u + 8, 'v', size);
		if (size >= 4)
			memcpy(u + 8, &seq, 4);
		tx_commit(v, 14 + 28 + size < 60 ? 60 : 14 + 28 + size);
		queued++;
	}
	if (queued) {
		tx_kick(v);
		return (long)queued;
	}
	return tsleep(p, &v->tx);	/* the ring is full: again when the TX cothread made room */
}

static long net_ping(struct proc *p, struct vke *v, struct vk_netreq *rq)
{
	unsigned long now = nanotime();
	if (p->p_deadline == 0) {		/* first entry: send the request */
		const unsigned char *mac = resolve(v, rq->ip);
		if (!mac)
			return -EAGAIN;
		unsigned char *f = tx_slot(v);
		if (!f)
			return -EAGAIN;
		unsigned size = rq->size > 1472 ? 1472 : rq->size < 8 ? 8 : rq->size;
		memcpy(f, mac, 6);
		memcpy(f + 6, v->mac, 6);
		put16(f + 12, ETHERTYPE_IP);
		ip_header(v, f + 14, rq->ip, 1, 8 + size);
		unsigned char *ic = f + 34;
		memset(ic, 0, 8);
		ic[0] = 8;
		put16(ic + 4, PING_ID);
		put16(ic + 6, rq->seq);
		memset(ic + 8, 'p', size);
		put16(ic + 2, cksum(ic, 8 + size));
		v->ping_seq = (unsigned short)rq->seq;
		v->ping_got = 0;
		v->ping_sent = now;
		tx_commit(v, 14 + 28 + size < 60 ? 60 : 14 + 28 + size);
		tx_kick(v);
		return tsleep_until(p, &v->ping_seq, now + 1000000000UL);
	}
	if (v->ping_got && v->ping_seq == (unsigned short)rq->seq) {
		p->p_deadline = 0;
		return (long)v->ping_rtt;
	}
	if (now >= p->p_deadline) {
		p->p_deadline = 0;
		return -ETIMEDOUT;
	}
	return tsleep_until(p, &v->ping_seq, p->p_deadline);
}

long sys_netctl(struct proc *p, int unit, int op, unsigned long uarg)
{
	struct vk_netreq rq;
	struct vke *v = vke_unit(unit);
	if (!v)
		return -ENXIO;
	if (copyin(p, uarg, &rq, sizeof(rq)) < 0)
		return -EFAULT;
	if (!v->addr && op != NETCTL_DRAIN)
		return -EADDRNOTAVAIL;
	switch (op) {
	case NETCTL_UDP: return net_udp(p, v, &rq);
	case NETCTL_PING: return net_ping(p, v, &rq);
	case NETCTL_DRAIN: return v->tx.tail == v->tx.head ? 0 : tsleep(p, &v->tx);
	default: return -EINVAL;
	}
}
