/*
 * A system-call fuzzer: random numbers and argument patterns (small and huge
 * integers, -1, valid and unmapped pointers, kernel-half addresses) against
 * the host, counting results. The host must answer every call with a result
 * or an errno and stay up. Calls that would end, block or self-destruct this
 * process (exit, fork, sleeping, signal handlers at random addresses, mapping
 * over its own memory, destructive path operations) are left out.
 * usage: fuzz [CALLS [SEED]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <signal.h>
#include <vktest.h>

static unsigned long state;
static unsigned long rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static const int deny[] = {
	1, 2, 3, 7, 9, 14, 28, 42, 97, 133, 135, 393, 10, 12, 15, 16, 17, 23, 27, 29, 30, 37, 50, 55, 56, 57, 59, 66, 69, 73, 74, 93, 98,
	120, 128, 132, 136, 137, 138, 173, 181, 183, 200, 201, 209, 240, 321, 331, 340, 341, 342, 344,
	363, 469, 472, 474, 481, 485, 486, 488, 489, 491, 494, 495, 497, 504, 506, 507, 508, 523, 524, 525,
	526, 528, 531, 534, 535, 538, 539, 541, 546, 548,
	/* sigwaitinfo waits for a signal that never comes; lchmod, chflags, lchflags, chflagsat change random
	 * paths (the scratch directory's parents among them) */
	346, 274, 34, 391, 537,
	/* openbsd_poll waits like poll; extpreadv reads like readv (stdin); netbsd_lchown is chown */
	252, 289, 275,
};
static int denied(int n)
{
	for (unsigned i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (deny[i] == n)
			return 1;
	return 0;
}

/* The buffer the calls may scribble on, fenced by PROT_NONE pages so that an
 * oversized length gets EFAULT instead of overwriting this program. */
static char *buf;

/* A zero timeout of its own (the calls may not write it). */
static const long zero_ts[2];

/* Keep calls that could wait for ever, or take this process apart, harmless. */
static void tame(int n, long a[6])
{
	switch (n) {
	case 345: a[2] = (long)zero_ts; break;		/* sigtimedwait: never wait */
	case 499: a[4] = (long)zero_ts; break;		/* pselect */
	case 543: a[2] = (long)zero_ts; break;		/* ppoll */
	case 251: a[0] &= ~((1L << 4) | (1L << 12)); break;	/* rfork: no child, keep our descriptors */
	case 35: a[1] &= ~0x60006L; break;		/* fchflags: nothing immutable or append-only */
	}
}

static long arg(void)
{
	switch (rnd() % 12) {
	case 0: return 0;
	case 1: return -1;
	case 2: return (long)(rnd() % 16);
	case 3: return (long)(rnd() % 4096);
	case 4: return (long)buf + (long)(rnd() % 4096);	/* a valid buffer */
	case 5: return 0xdead0000L + (long)(rnd() % 4096);	/* unmapped */
	case 6: return (long)0xffff800000000000UL;		/* kernel half */
	case 7: return (long)0x0000800000000000UL;		/* non-canonical */
	case 8: return (long)rnd();
	case 9: return 1L << (rnd() % 63);
	case 10: return (long)(rnd() % 3) + 3;			/* descriptors we own */
	default: return 0x7fffffffL;
	}
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	char *region = mmap(0, 3 * 65536, PROT_NONE, MAP_ANON | MAP_PRIVATE, -1, 0);
	buf = region + 65536;
	mprotect(buf, 65536, PROT_READ | PROT_WRITE);
	state = argc > 2 ? (unsigned long)atol(argv[2]) * 2654435761UL + 1 : 88172645463325252UL;
	static long by_errno[128];
	static char seen[600];
	long ok = 0, errors = 0;
	/* Find the calls the host serves (one harmless probe each), and aim mostly at those. */
	static int served[600];
	int nserved = 0;
	/* Interval timers armed at random must not end the run: their signals are ignored. */
	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGALRM, &ign, 0);
	sigaction(SIGVTALRM, &ign, 0);
	sigaction(SIGPROF, &ign, 0);
	for (int n = 1; n < 560; n++) {
		if (denied(n) || n == 198)
			continue;
		long p[6] = { -1, 0, 0, 0, 0, 0 };
		tame(n, p);
		if (__dfly_sc6(n, p[0], p[1], p[2], p[3], p[4], p[5]) != -ENOSYS)
			served[nserved++] = n;
	}
	printf("fuzz: the host serves %d of the system calls probed\n", nserved);
	for (long i = 0; i < calls; i++) {
		int n = rnd() % 10 && nserved ? served[rnd() % (unsigned)nserved] : (int)(rnd() % 560);
		if (denied(n))
			continue;
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = arg();
		/* keep what this process needs: its stdio and its own memory */
		if ((n == 4 || n == 6 || n == 54 || n == 90 || n == 92 || n == 174 || n == 121 || n == 133 || n == 134 || n == 28 ||
		     n == 290 || n == 35) && (unsigned long)a[0] < 3)
			a[0] = 3 + (a[0] & 7);
		if (n == 90 && (unsigned long)a[1] < 3)
			a[1] = 3 + (a[1] & 7);	/* dup2 onto stdio */
		if (n == 92 && (unsigned long)a[2] < 3)
			a[2] = 3;	/* fcntl(F_DUP2FD) onto stdio */
		if (n == 5 || n == 475 || n == 477 || n == 33)
			a[1] &= 3;	/* open: no O_CREAT/O_TRUNC */
		if (n == 197)
			a[3] &= ~0x10010L;	/* mmap: never MAP_FIXED/TRYFIXED over ourselves */
		if (n == 131)
			a[1] |= 4;	/* flock: never wait on a lock we hold through another descriptor */
		if (n == 75)
			a[2] = 4;	/* madvise: only DONTNEED-style hints */
		if (n == 0 || n == 198)
			continue;
		tame(n, a);
		long r = __dfly_sc6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
		seen[n] = 1;
		if (r < 0 && r > -128) {
			errors++;
			by_errno[-r]++;
		} else {
			ok++;
		}
		if (n == 197 && r > 0 && (r & 0xfff) == 0)
			__dfly_sc2(73, r, a[1]);	/* give mappings back */
	}
	int distinct = 0;
	for (int i = 0; i < 600; i++)
		distinct += seen[i];
	printf("fuzz: %ld calls returned, %ld succeeded, %ld failed, %d distinct system calls\n", ok + errors, ok, errors, distinct);
	printf("fuzz: errors by errno:");
	for (int e = 1; e < 128; e++)
		if (by_errno[e])
			printf(" %d:%ld", e, by_errno[e]);
	printf("\n");
	CHECK(ok + errors > calls / 2, "most calls were made and answered");
	CHECK(by_errno[14] > 0, "bad pointers gave EFAULT");
	return vkt_done();
}
