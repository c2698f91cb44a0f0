/*
 * vke internals shared by the driver (vke.c: host side, cothreads, rings)
 * and the protocol code on top of it (inet.c: ARP, ICMP echo, UDP).
 */
#ifndef VKE_H
#define VKE_H
#include "dev.h"
#include "vkmini.h"

#define RING  128			/* frames per ring (a power of 2) */
#define FRAME 2048			/* MCLBYTES: one frame per read or write */

/* A single-producer single-consumer ring of frames in KVA. */
struct ring {
	volatile unsigned head, tail;	/* producer and consumer counts */
	char *slot;			/* RING frames of FRAME bytes */
	unsigned short len[RING];
};

struct vke {
	int unit, fd, tap_unit;
	char name[64];			/* what -I said */
	char macarg[32];		/* the =MAC part, if any */
	unsigned addr, mask;		/* guest address, network order (0: none) */
	unsigned char mac[6];
	int mtu;
	struct ring rx, tx;
	volatile int txseq;		/* bumped when frames are queued: the TX cothread sleeps on it */
	int creator;			/* the vCPU thread that gets SIGALRM */
	unsigned long ipackets, opackets, oerrors, ibytes, obytes, odrops;
	/* inet.c */
	unsigned long arp_in, icmp_in, udp_in;
	struct { unsigned ip; unsigned char mac[6]; } arp[8];
	int arpnext;
	unsigned short ipid;
	unsigned short ping_seq;	/* the one echo request in flight */
	int ping_got;
	unsigned long ping_sent, ping_rtt;
};

/* vke.c */
struct vke *vke_unit(int unit);		/* an attached interface, or 0 */
unsigned char *tx_slot(struct vke *v);	/* the next free TX frame, or 0 when the ring is full */
void tx_commit(struct vke *v, unsigned len);
void tx_kick(struct vke *v);		/* wake the TX cothread after one or more commits */
const char *ipstr(unsigned ip, char *buf);

/* inet.c */
void inet_input(struct vke *v, const unsigned char *frame, unsigned len);

#endif
