/*
 * The virtual-kernel host extensions, driven the way a VKERNEL64 drives them
 * (vkernel-host-abi.md §1.6, §2, §3): a memory image with page tables written
 * through a DMAP, a MAP_VPAGETABLE kernel window walked by the host with A/M
 * bits, MADV_INVAL, and a guest context in a vmspace whose exits come back as
 * trapframes (syscall, page fault, #UD, signal interruption, bad RIP), with the
 * FPU state crossing vmspace_ctl unchanged.
 */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/lwp.h>
#include <sys/syscall.h>
#include <vkthread.h>
#include <vktest.h>
#include "vkctx.h"

#define MEMSIZE (16UL << 20)

static unsigned long *dmap;
static unsigned long *pt(unsigned long pa) { return (unsigned long *)((char *)dmap + pa); }

static long mcontrol(void *addr, unsigned long len, int behav, unsigned long value)
{
	return __dfly_sc4(485, L(addr), L(len), L(behav), L(value));
}

static volatile int usr1_hits;
static void on_usr1(int sig) { (void)sig; usr1_hits++; }

static lwpid_t main_tid;
static void *kicker(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, 0);
	lwp_kill(-1, main_tid, SIGUSR1);
	return 0;
}

int main(int argc, char **argv)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/vkemu-memimg.%d", argc > 1 ? argv[1] : "/tmp", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "memory image %s", path);
	unlink(path);
	CHECK_EQ(ftruncate(fd, MEMSIZE), 0, "ftruncate to 16 MiB");
	dmap = mmap(0, MEMSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(dmap != MAP_FAILED, "DMAP of the memory image");

	/* ---- the kernel window: MAP_VPAGETABLE over KVA ---- */
	void *kva = mmap((void *)KVA, KVA, PROT_READ | PROT_WRITE | PROT_EXEC,
	                 MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED | 0x10000 /* TRYFIXED */, fd, (long)KVA);
	CHECK(kva == (void *)KVA, "mmap(MAP_VPAGETABLE) of 512 GiB at 0x8000000000 (%p)", kva);
	/* KVA tables: PML4 0x6000 -> PDP 0x7000 -> PD 0x8000 -> PT 0x9000 -> page 0x12000 */
	pt(0x6000)[1] = 0x7000 | V | RW | U;
	pt(0x7000)[0] = 0x8000 | V | RW | U;
	pt(0x8000)[0] = 0x9000 | V | RW | U;
	pt(0x9000)[0] = 0x12000 | V | RW | U;
	strcpy((char *)pt(0x12000), "hello through the vpagetable");
	CHECK_EQ(mcontrol(kva, KVA, MADV_SETMAP, 0x6000 | RW | V), 0, "mcontrol(MADV_SETMAP) installs the root");
	CHECK_EQ(madvise(kva, KVA, MADV_SETMAP), -1, "madvise refuses MADV_SETMAP");
	CHECK(strcmp((char *)KVA, "hello through the vpagetable") == 0, "a read through KVA walks the tables");
	CHECK((pt(0x9000)[0] & A) != 0, "the walk set A in the leaf");
	CHECK((pt(0x9000)[0] & M) == 0, "a read does not set M");
	((char *)KVA)[100] = 'x';
	CHECK((pt(0x9000)[0] & M) != 0, "a write sets M");
	CHECK(((char *)pt(0x12000))[100] == 'x', "and lands in the memory image");
	CHECK_EQ(write(1, (void *)KVA, 0), 0, "a syscall can take a KVA buffer");
	pt(0x9000)[0] = 0;
	CHECK_EQ(madvise(kva, 4096, MADV_INVAL), 0, "madvise(MADV_INVAL)");
	errno = 0;
	CHECK_EQ(write(1, (void *)KVA, 4), -1, "after clearing the vpte, a KVA buffer gives EFAULT");
	CHECK_EQ(errno, EFAULT, "errno EFAULT");

	/* A KVA page moves to another page of the image: what the CPU cached
	 * for it goes with the one page invalidated, and its neighbour stays. */
	volatile unsigned long *k1 = (unsigned long *)(KVA + 4096), *k2 = (unsigned long *)(KVA + 8192);
	pt(0x9000)[1] = 0x20000 | V | RW | U;
	pt(0x9000)[2] = 0x21000 | V | RW | U;
	*pt(0x20000) = 1;
	*pt(0x21000) = 2;
	*pt(0x22000) = 3;
	CHECK(*k1 == 1 && *k2 == 2, "two more KVA pages read through the tables");
	pt(0x9000)[1] = 0x22000 | V | RW | U;
	CHECK_EQ(madvise((char *)kva + 4096, 4096, MADV_INVAL), 0, "madvise(MADV_INVAL) of the page that moved");
	CHECK_EQ(*k1, 3, "a read sees the page it moved to, not a cached translation");
	CHECK_EQ(*k2, 2, "its neighbour still reads its own page");
	*k1 = 4;
	CHECK(*pt(0x22000) == 4 && *pt(0x20000) == 1, "a write lands in the new page only");

	/* ---- a guest context ---- */
	/* guest tables: PML4 0x1000 -> PDP 0x2000 -> PD 0x3000 -> PT 0x4000 (code), PT 0x5000 (stack) */
	pt(0x1000)[0] = 0x2000 | V | RW | U;
	pt(0x2000)[0] = 0x3000 | V | RW | U;
	pt(0x3000)[2] = 0x4000 | V | RW | U;
	pt(0x3000)[3] = 0x5000 | V | RW | U;
	pt(0x4000)[0] = 0x10000 | V | U | A;	/* code at 0x400000, read-only */
	pt(0x5000)[0] = 0x11000 | V | RW | U | A;	/* stack at 0x600000 */
	static const unsigned char code[] = {
		0xb8, 42, 0, 0, 0,			/* mov $42, %eax */
		0xbf, 7, 0, 0, 0,			/* mov $7, %edi */
		0x49, 0xc7, 0xc2, 99, 0, 0, 0,		/* mov $99, %r10 */
		0x0f, 0x05,				/* syscall          (+17 -> 19) */
		0x66, 0x48, 0x0f, 0x7e, 0xc3,		/* movq %xmm0, %rbx */
		0x53,					/* push %rbx */
		0xb8, 5, 0, 0, 0,			/* mov $5, %eax */
		0x0f, 0x05,				/* syscall          (-> 32) */
		0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0x50,	/* mov 0x50000000, %rax (32) */
		0x0f, 0x0b,				/* ud2              (40) */
		0xeb, 0xfe,				/* jmp .            (42) */
	};
	memcpy(pt(0x10000), code, sizeof(code));

	static int idv;
	void *id = &idv;
	CHECK_EQ(__dfly_sc3(486, L(id), 0, 0), 0, "vmspace_create");
	CHECK_EQ(__dfly_sc3(486, L(id), 0, 0), -EEXIST, "vmspace_create of the same id -> EEXIST");
	CHECK_EQ(vmspace_mmap_user(id, fd), 0, "vmspace_mmap of [0, USRSTACK) with MAP_VPAGETABLE");
	CHECK_EQ(__dfly_sc5(491, L(id), 0, USERTOP, MADV_SETMAP, 0x1000 | V | RW | U), 0, "vmspace_mcontrol(MADV_SETMAP)");

	struct trapframe tf;
	struct vextframe vf;
	memset(&tf, 0, sizeof(tf));
	memset(&vf, 0, sizeof(vf));
	tf.rip = 0x400000;
	tf.rsp = 0x601000;
	tf.rflags = 0x202;
	tf.r12 = 0x1212;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "vmspace_ctl(RUN) returns 0");
	CHECK_EQ(tf.trapno, 0x81, "exit 1: T_FAST_SYSCALL");
	CHECK_EQ(tf.rax, 42, "tf_rax = the guest's syscall number");
	CHECK_EQ(tf.rdi, 7, "tf_rdi = its first argument");
	CHECK_EQ(tf.rcx, 99, "tf_rcx = its r10 (4th argument)");
	CHECK_EQ(tf.err, 2, "tf_err = 2 (length of syscall)");
	CHECK_EQ(tf.rip, 0x400000 + 19, "tf_rip after the syscall");
	CHECK_EQ(tf.r12, 0x1212, "other registers as the guest left them");
	CHECK_EQ(tf.cs, 0x2b, "tf_cs 0x2B");
	CHECK_EQ(tf.ss, 0x23, "tf_ss 0x23");

	tf.rax = 0;
	/* The guest starts with the caller's FP state, as it is at the call (a vkernel fxrstor's it just before). */
	unsigned long xv = 0x1122334455667788UL;
	long r2;
	register long vfr __asm__("r10") = (long)&vf;
	__asm__ volatile("movq %1, %%xmm0\n\tsyscall\n\tjnc 1f\n\tneg %%rax\n1:"
	                 : "=a"(r2) : "r"(xv), "a"(488L), "D"(id), "S"(1L), "d"(&tf), "r"(vfr)
	                 : "rcx", "r11", "memory", "xmm0");
	CHECK_EQ(r2, 0, "resume");
	CHECK_EQ(tf.trapno, 0x81, "exit 2: T_FAST_SYSCALL");
	CHECK_EQ(tf.rax, 5, "second syscall number");
	CHECK_EQ(tf.rbx, 0x1122334455667788UL, "the guest saw the caller's xmm0 (FP state crossed in)");
	CHECK_EQ(*(unsigned long *)((char *)pt(0x11000) + 4088), 0x1122334455667788UL, "the guest's push landed in the image");
	CHECK((pt(0x5000)[0] & M) != 0, "and set M on the stack vpte");

	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "resume");
	CHECK_EQ(tf.trapno, 12, "exit 3: T_PAGEFLT for an unmapped address");
	CHECK_EQ(tf.addr, 0x50000000, "tf_addr = the faulting address");
	CHECK_EQ(tf.err & 2, 0, "a read fault");
	CHECK_EQ(tf.err & 4, 4, "PGEX_U");
	CHECK_EQ(tf.rip, 0x400000 + 32, "tf_rip at the faulting instruction");

	tf.rip += 8;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "resume after the load");
	CHECK_EQ(tf.trapno, 1, "exit 4: ud2 -> T_PRIVINFLT");
	CHECK_EQ(tf.rip, 0x400000 + 40, "at the ud2");

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, 0);
	main_tid = lwp_gettid();
	thread_t th;
	thread_create(&th, kicker, 0);
	tf.rip += 2;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "a looping guest");
	CHECK_EQ(tf.trapno, 0, "exit 5: a signal interrupts the guest (tf_trapno 0)");
	CHECK_EQ(usr1_hits, 1, "and its handler ran in vkernel context");
	CHECK_EQ(tf.rip, 0x400000 + 42, "tf_rip = the interrupted guest rip");
	thread_join(th, 0);

	tf.rip = 0x800000000000UL;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "a non-canonical rip");
	CHECK_EQ(tf.trapno, 9, "exit 6: T_PROTFLT, not a crash");

	/* The code and stack pages move to pages holding other code and data:
	 * the code translated at that rip and the stack's cached translation go
	 * with the pages invalidated (one page, and a range around the other). */
	tf.rip = 0x400000 + 19;
	tf.rsp = 0x601000;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "run the push again");
	CHECK(tf.trapno == 0x81 && tf.rax == 5, "exit 8: the second syscall, the stack page written");
	static const unsigned char code2[] = {
		0x48, 0x8b, 0x1c, 0x25, 0xf0, 0x0f, 0x60, 0x00,	/* mov 0x600ff0, %rbx */
		0xb8, 43, 0, 0, 0,				/* mov $43, %eax */
		0x0f, 0x05,					/* syscall */
	};
	memcpy((char *)pt(0x23000) + 19, code2, sizeof(code2));
	*pt(0x24000 + 0xff0) = 0x4444;
	pt(0x4000)[0] = 0x23000 | V | U | A;
	pt(0x5000)[0] = 0x24000 | V | RW | U | A;
	CHECK_EQ(__dfly_sc5(491, L(id), 0x400000, 4096, MADV_INVAL, 0), 0, "vmspace_mcontrol(MADV_INVAL) of the code page");
	CHECK_EQ(__dfly_sc5(491, L(id), 0x500000, 0x200000, MADV_INVAL, 0), 0, "vmspace_mcontrol(MADV_INVAL) of 2 MiB around the stack page");
	tf.rip = 0x400000 + 19;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "run at the same rip");
	CHECK_EQ(tf.rax, 43, "exit 9: the new code ran, not the block translated before");
	CHECK_EQ(tf.rbx, 0x4444, "and it read the new stack page");

	pt(0x4000)[0] = 0;	/* unmap the code page: the vkernel's pmap then invalidates */
	CHECK_EQ(__dfly_sc5(491, L(id), 0x400000, 4096, MADV_INVAL, 0), 0, "vmspace_mcontrol(MADV_INVAL)");
	tf.rip = 0x400000;
	CHECK_EQ(vmspace_run(id, &tf, &vf), 0, "run after INVAL");
	CHECK_EQ(tf.trapno, 12, "exit 7: the stale translation is gone (fetch fault)");
	CHECK_EQ(tf.err & 0x10, 0x10, "PGEX_I on an instruction fetch");

	CHECK_EQ(vmspace_run(id, (void *)8, &vf), -EFAULT, "vmspace_ctl with a bad trapframe -> EFAULT");
	CHECK_EQ(__dfly_sc4(488, 12345, 1, L(&tf), L(&vf)), -ENOENT, "unknown id -> ENOENT");
	CHECK_EQ(__dfly_sc4(488, L(id), 2, L(&tf), L(&vf)), -EOPNOTSUPP, "cmd 2 -> EOPNOTSUPP");
	CHECK_EQ(__dfly_sc5(492, L(id), L(&tf), 8, 0, 0), -EINVAL, "vmspace_pread -> EINVAL");
	CHECK_EQ(__dfly_sc1(487, L(id)), 0, "vmspace_destroy");
	CHECK_EQ(__dfly_sc1(487, L(id)), -ENOENT, "destroyed: ENOENT");
	return vkt_done();
}
