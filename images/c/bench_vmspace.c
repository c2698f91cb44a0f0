/*
 * bench_vmspace: the costs a virtual kernel pays on its host (vkernel-host-abi.md §2, §3),
 * measured from inside the guest. No Linux baseline exists for these calls; the native
 * build of this file exits at once with {"skipped":...}.
 *   ctl_rt_us     vmspace_ctl(RUN) round trip: enter the guest context, one syscall exit
 *   upf_us        a user page fault served the vkernel way: T_PAGEFLT exit, the vkernel
 *                 writes a vpte, vmspace_mcontrol(MADV_INVAL), resume
 *   kva_fill_ns   first touch of a KVA page through MAP_VPAGETABLE (the host walk in the
 *                 fill path, A bit set), after a whole-window MADV_INVAL
 *   inval_us      madvise(MADV_INVAL) of the whole 512 GiB KVA window
 *   inval_page_us, inval_1g_us   the same for one page and for 1 GiB
 */
#include <stdio.h>
#include <string.h>
#ifndef __DragonFly__
int main(void) { printf("{\"bench\":\"c_vmspace\",\"skipped\":\"DragonFly-only calls\"}\n"); return 0; }
#else
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "bench.h"
#include "vkctx.h"

#define MEMSIZE (64UL << 20)
#define KPAGES 2048		/* KVA pages touched per round: 8 MiB */
#define UPAGES 512		/* user pages faulted in */

static unsigned long *dmap;
static unsigned long *pt(unsigned long pa) { return (unsigned long *)((char *)dmap + pa); }
static unsigned long nextpa = 0x100000;	/* page allocator over the image */
static unsigned long palloc(void) { unsigned long pa = nextpa; nextpa += 4096; return pa; }

int main(int argc, char **argv)
{
	long scale = bench_arg(argc, argv, 1);
	char path[256];
	snprintf(path, sizeof(path), "/tmp/vkemu-bench-memimg.%d", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(path);
	if (fd < 0 || ftruncate(fd, MEMSIZE) != 0) { printf("memory image failed\n"); return 1; }
	dmap = mmap(0, MEMSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	/* KVA: PML4 0x6000 -> PDP 0x7000 -> PD 0x8000 -> PTs (4 x 512 pages) */
	void *kva = mmap((void *)KVA, KVA, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED, fd, (long)KVA);
	if (kva != (void *)KVA) { printf("MAP_VPAGETABLE failed\n"); return 1; }
	pt(0x6000)[1] = 0x7000 | V | RW | U;
	pt(0x7000)[0] = 0x8000 | V | RW | U;
	for (int t = 0; t < KPAGES / 512; t++) {
		unsigned long ptp = palloc();
		pt(0x8000)[t] = ptp | V | RW | U;
		for (int i = 0; i < 512; i++) pt(ptp)[i] = palloc() | V | RW | U;
	}
	__dfly_sc4(485, L(kva), KVA, MADV_SETMAP, 0x6000 | RW | V);

	/* kva_fill_ns and inval_us */
	long rounds = 20 * scale;
	int64_t fill = 0, inval = 0;
	volatile unsigned long sink = 0;
	for (long r = 0; r < rounds; r++) {
		int64_t t0 = bench_now_ns();
		madvise(kva, KVA, MADV_INVAL);
		int64_t t1 = bench_now_ns();
		for (int i = 0; i < KPAGES; i++) sink += *(volatile unsigned long *)(KVA + i * 4096UL);
		int64_t t2 = bench_now_ns();
		inval += t1 - t0;
		fill += t2 - t1;
	}

	int64_t ip = 0, ig = 0;
	for (long r = 0; r < 20000 * scale; r++) {
		int64_t a = bench_now_ns();
		madvise(kva, 4096, MADV_INVAL);
		int64_t b = bench_now_ns();
		madvise(kva, 1UL << 30, MADV_INVAL);
		int64_t c = bench_now_ns();
		ip += b - a;
		ig += c - b;
	}

	/* a guest context: code at 0x400000 = "1: syscall; jmp 1b", stack at 0x600000 */
	pt(0x1000)[0] = 0x2000 | V | RW | U;
	pt(0x2000)[0] = 0x3000 | V | RW | U;
	pt(0x3000)[2] = 0x4000 | V | RW | U;
	pt(0x3000)[3] = 0x5000 | V | RW | U;
	pt(0x3000)[4] = 0x9000 | V | RW | U;	/* 0x800000..: demand-faulted data */
	pt(0x4000)[0] = 0x10000 | V | U;
	pt(0x5000)[0] = 0x11000 | V | RW | U;
	static const unsigned char code[] = {
		0x0f, 0x05,		/* syscall */
		0xeb, 0xfc,		/* jmp back to it */
		/* +4: touch every page from 0x800000 up: mov %al,(%rbx); add $4096,%rbx; jmp */
		0x88, 0x03, 0x48, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, 0xeb, 0xf5,
	};
	memcpy(pt(0x10000), code, sizeof(code));
	static int idv;
	void *id = &idv;
	__dfly_sc3(486, L(id), 0, 0);
	vmspace_mmap_user(id, fd);
	__dfly_sc5(491, L(id), 0, USERTOP, MADV_SETMAP, 0x1000 | V | RW | U);
	struct trapframe tf;
	struct vextframe vf;
	memset(&tf, 0, sizeof(tf));
	memset(&vf, 0, sizeof(vf));
	tf.rip = 0x400000;
	tf.rsp = 0x601000;
	tf.rflags = 0x202;
	long trips = 20000 * scale;
	for (int i = 0; i < 100; i++) vmspace_run(id, &tf, &vf);
	int64_t t0 = bench_now_ns();
	for (long i = 0; i < trips; i++) {
		if (vmspace_run(id, &tf, &vf) != 0 || tf.trapno != 0x81) { printf("unexpected exit %lu\n", tf.trapno); return 1; }
	}
	int64_t t1 = bench_now_ns();

	/* user page faults, served as a vkernel serves them */
	tf.rip = 0x400004;
	tf.rbx = 0x800000;
	long faults = 0;
	int64_t t2 = bench_now_ns();
	while (faults < UPAGES) {
		if (vmspace_run(id, &tf, &vf) != 0) return 1;
		if (tf.trapno == 0) continue;	/* interrupted: resume */
		if (tf.trapno != 12) { printf("unexpected trap %lu\n", tf.trapno); return 1; }
		unsigned long va = tf.addr & ~4095UL;
		pt(0x9000)[(va - 0x800000) >> 12] = palloc() | V | RW | U;
		__dfly_sc5(491, L(id), L(va), 4096, MADV_INVAL, 0);
		faults++;
	}
	int64_t t3 = bench_now_ns();
	printf("{\"bench\":\"c_vmspace\",\"ms\":%.3f,\"ctl_rt_us\":%.3f,\"upf_us\":%.3f,\"kva_fill_ns\":%.1f,\"inval_us\":%.3f,\"inval_page_us\":%.3f,\"inval_1g_us\":%.3f,\"sink\":%lu}\n",
	    (t3 - t0 + fill + inval) / 1e6, (t1 - t0) / 1e3 / trips, (t3 - t2) / 1e3 / faults,
	    (double)fill / rounds / KPAGES, inval / 1e3 / rounds, ip / 1e3 / (20000 * scale), ig / 1e3 / (20000 * scale), sink & 1);
	return 0;
}
#endif
