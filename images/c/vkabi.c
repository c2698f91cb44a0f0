/*
 * The host calls an unmodified VKERNEL64 makes while it boots, made here the
 * way it (and its libc, rtld and libthread_xu) make them, with DragonFly's
 * numbers and layouts (vkernel-host-abi.md §1, §4, §5, §7, §10):
 *   - the memory image (O_EXLOCK numbering), the exact KVA and 512 GiB DMAP
 *     mmaps, MADV_NOSYNC, mcontrol(MADV_SETMAP);
 *   - %gs pointing into KVA (set_tls_area(1)), umtx in KVA, a signal frame
 *     pushed onto a KVA stack, a KVA fault fixed up by moving mc_rip;
 *   - rtld's LD_SHAREDLIB_BASE placement (MAP_TRYFIXED loop), segment
 *     overlays with MAP_FIXED, RELRO mprotect; libthread_xu's red zone;
 *   - the sysctls of §1.5 by name, hw.mxcsr_mask with a garbage length;
 *   - signal frames: rcx = tf_addr, handler alignment, FP state in mc_fpregs
 *     (and back), sigreturn's rflags/cs checks;
 *   - nanosleep/umtx_sleep interrupted by a thread-directed signal;
 *   - extpread/extpwrite offset -1 and O_FNONBLOCKING, /dev/lpmap etc. ENOENT,
 *     fork through __syscall(198, 2) with rax/rdx, the reboot exit code 32.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/lwp.h>
#include <sys/stat.h>
#include <sys/sysctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <vkthread.h>
#include <vktest.h>

#define L(x) ((long)(x))
#define KVA 0x8000000000UL
#define KVA_SIZE 0x8000000000UL
#define MEMSIZE (64UL << 20)
#define VPTE_V 0x1UL
#define VPTE_RW 0x2UL
#define VPTE_U 0x4UL
#define MADV_INVAL 10
#define MADV_SETMAP 11
#define EWOULDBLOCK_DF 35

static char *dmap;
static unsigned long *pt(unsigned long pa) { return (unsigned long *)(dmap + pa); }

/* ---------------------------------------------------------------- memory */

/* KVA layout of this test: PML4 0x0, PDP 0x1000, PD 0x2000, PT 0x3000.
 * KVA+0 .. +16 pages: data at phys 0x10000; KVA+0x10000 .. +0x20000: a stack
 * at phys 0x20000. KVA+0x100000 is left unmapped (faults). */
static void boot_memory(const char *dir)
{
	char path[256];
	int fd = -1, i;
	/* §1.6: the first free /var/vkernel/memimg.NNNNNN, O_EXLOCK|O_NONBLOCK */
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/vkabi-memimg.%d.%06d", dir, getpid(), i);
		if (i == 0) {
			int holder = open(path, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK, 0644);
			CHECK(holder >= 0, "open memimg.000000 with O_EXLOCK|O_NONBLOCK");
			errno = 0;
			fd = open(path, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK, 0644);
			CHECK_EQ(fd, -1, "a second O_EXLOCK|O_NONBLOCK open of a locked image fails");
			CHECK_EQ(errno, EWOULDBLOCK_DF, "with EWOULDBLOCK (35)");
			struct stat st;
			CHECK_EQ(stat(path, &st), 0, "stat of the locked name succeeds (so the search goes on)");
			unlink(path);
			/* the lock stays with `holder` until the end, like another vkernel */
			continue;
		}
		fd = open(path, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK, 0644);
		if (fd >= 0)
			break;
	}
	CHECK(fd >= 0, "the next memimg number opens");
	unlink(path);
	CHECK_EQ(ftruncate(fd, 0), 0, "ftruncate(fd, 0)");
	CHECK_EQ(__dfly_syscall198(SYS_ftruncate, fd, 0, MEMSIZE, 0, 0, 0, 0), 0,
	         "__syscall(ftruncate, fd, pad, Maxmem)");

	/* init_kern_memory: KVA with MAP_SHARED|MAP_VPAGETABLE|MAP_FIXED|MAP_TRYFIXED (0x12011) */
	long kva = __dfly_syscall198(SYS_mmap, KVA, KVA_SIZE, 7, 0x12011, fd, 0, KVA);
	CHECK_EQ(kva, KVA, "KVA mmap(0x8000000000, 512 GiB, RWX, 0x12011, fd, 0x8000000000)");
	CHECK_EQ(madvise((void *)KVA, KVA_SIZE, MADV_NOSYNC), 0, "madvise(KVA, 512 GiB, MADV_NOSYNC)");
	/* the DMAP: 512 GiB shared over a 64 MiB file, MAP_SHARED|MAP_NOSYNC|MAP_NOCORE (0x20801) */
	long dm = __dfly_syscall198(SYS_mmap, 0, KVA_SIZE, 3, 0x20801, fd, 0, 0);
	CHECK(dm > 0, "DMAP mmap(0, 512 GiB, RW, 0x20801, fd, 0) (0x%lx)", dm);
	if (dm <= 0)
		return;
	dmap = (char *)dm;
	CHECK_EQ(dm & 0x1FFFFF, 0, "the DMAP is 2 MiB aligned");
	CHECK((unsigned long)dm + KVA_SIZE <= KVA || (unsigned long)dm >= KVA + KVA_SIZE,
	      "the DMAP does not overlap KVA");
	CHECK_EQ(dmap[MEMSIZE - 1], 0, "the last byte of the image reads as 0 through the DMAP");

	pt(0)[1] = 0x1000 | VPTE_RW | VPTE_V | VPTE_U;	/* KVA is PML4 slot 1 */
	pt(0x1000)[0] = 0x2000 | VPTE_RW | VPTE_V | VPTE_U;
	pt(0x2000)[0] = 0x3000 | VPTE_RW | VPTE_V | VPTE_U;
	for (i = 0; i < 32; i++)
		pt(0x3000)[i] = (0x10000 + i * 4096UL) | VPTE_RW | VPTE_V | VPTE_U;
	CHECK_EQ(madvise((void *)KVA, KVA_SIZE, MADV_INVAL), 0, "madvise(KVA, 512 GiB, MADV_INVAL)");
	CHECK_EQ(__dfly_sc4(485, KVA, KVA_SIZE, MADV_SETMAP, 0 | VPTE_RW | VPTE_V), 0,
	         "mcontrol(KVA, 512 GiB, MADV_SETMAP, 0x3)");
	strcpy(dmap + 0x10000, "kva");
	CHECK(strcmp((char *)KVA, "kva") == 0, "KVA reads walk the tables written through the DMAP");
	/* pmap_kenter_quick: clear the vpte, MADV_INVAL the page, store the new one */
	pt(0x3000)[1] = 0;
	CHECK_EQ(madvise((void *)(KVA + 4096), 4096, MADV_INVAL), 0, "madvise(page, MADV_INVAL)");
	pt(0x3000)[1] = 0x30000 | VPTE_RW | VPTE_V | VPTE_U;
	strcpy(dmap + 0x30000, "remapped");
	CHECK(strcmp((char *)(KVA + 4096), "remapped") == 0, "a new vpte is found by the next walk");
}

/* ------------------------------------------------------ %gs in KVA, umtx */

static unsigned long read_gs0(void)
{
	unsigned long v;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	return v;
}

static volatile unsigned long thread_gs;
static void *gs_reader(void *arg)
{
	(void)arg;
	thread_gs = read_gs0();
	return 0;
}

static volatile int *kva_word;
static volatile long sleeper_result = -1;
static void *kva_sleeper(void *arg)
{
	(void)arg;
	errno = 0;
	long r = umtx_sleep(kva_word, 0, 1000000);
	sleeper_result = r < 0 ? errno : 0;
	return 0;
}

static void tls_and_umtx(void)
{
	if (!dmap)
		return;
	/* init_globaldata: %gs = &CPU_prvspace[0] (in KVA) */
	*(unsigned long *)(dmap + 0x10000 + 0x800) = 0x6d79637075UL;	/* "mycpu" */
	struct tls_info ti = { (void *)(KVA + 0x800), 4096 };
	CHECK_EQ(set_tls_area(1, &ti, sizeof(ti)), 0, "set_tls_area(1, {KVA, size}, 16)");
	CHECK_EQ(read_gs0(), 0x6d79637075UL, "%%gs:0 reads through the KVA page tables");
	struct tls_info back;
	memset(&back, 0, sizeof(back));
	CHECK_EQ(get_tls_area(1, &back, sizeof(back)), 0, "get_tls_area(1)");
	CHECK(back.base == (void *)(KVA + 0x800) && back.size == 4096, "returns the stored tls_info");
	struct tls_info bad = { 0, -2 };
	CHECK_ERRNO(set_tls_area(1, &bad, sizeof(bad)), EINVAL, "tls_info.size < -1 -> EINVAL");
	CHECK_ERRNO(set_tls_area(2, &ti, sizeof(ti)), ERANGE, "which = 2 -> ERANGE (34)");
	thread_t th;
	if (thread_create(&th, gs_reader, 0) == 0) {
		thread_join(th, 0);
		CHECK_EQ(thread_gs, 0x6d79637075UL, "a new LWP inherits the %%gs base");
	}
	/* cothreads: %gs = 0 */
	struct tls_info zero = { 0, 4096 };
	CHECK_EQ(set_tls_area(1, &zero, sizeof(zero)), 0, "set_tls_area(1, {0, size}) for a cothread");

	/* the idle loop: umtx_sleep(&gd->gd_reqflags (KVA), value, 1 s) */
	kva_word = (volatile int *)(KVA + 0x900);
	*kva_word = 0;
	CHECK_ERRNO(umtx_sleep(kva_word, 1, 1000000), EBUSY, "umtx_sleep in KVA, value differs -> EBUSY");
	CHECK_ERRNO(umtx_sleep(kva_word, 0, 1000), EAGAIN, "umtx_sleep in KVA times out with EAGAIN (35)");
	CHECK_ERRNO(umtx_sleep((volatile int *)(KVA + 0x100000), 0, 1000), EFAULT,
	            "umtx_sleep on an unmapped KVA word -> EFAULT");
	if (thread_create(&th, kva_sleeper, 0) == 0) {
		struct timespec ts = { 0, 30000000 };
		nanosleep(&ts, 0);
		umtx_wakeup(kva_word, 0);
		thread_join(th, 0);
		CHECK_EQ(sleeper_result, 0, "umtx_wakeup(KVA word, 0) wakes the KVA sleeper");
	}
}

/* ------------------------------------------------------------ KVA signals */

static volatile unsigned long usr2_uc, usr2_rsp;
static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si;
	usr2_uc = (unsigned long)uc;
	usr2_rsp = (unsigned long)__builtin_frame_address(0);
}

static volatile int segv_hits;
static volatile long segv_trapno, segv_addr, segv_err;
static void on_segv(int sig, siginfo_t *si, void *ucp)
{
	ucontext_t *uc = ucp;
	(void)sig; (void)si;
	segv_hits++;
	segv_trapno = uc->uc_mcontext.mc_trapno;
	segv_addr = uc->uc_mcontext.mc_addr;
	segv_err = uc->uc_mcontext.mc_err;
	/* the vkernel's trap code fixes up and resumes elsewhere: skip the 3-byte load */
	uc->uc_mcontext.mc_rip += 3;
	uc->uc_mcontext.mc_rax = 0x5a5a;
}

static void kva_signals(void)
{
	if (!dmap)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, 0);
	/* run on a KVA stack (like an LWKT thread) and take a signal there */
	unsigned long top = KVA + 0x20000 - 64;
	long tid = lwp_gettid();
	long rax = SYS_lwp_kill;
	__asm__ volatile(
		"movq %%rsp, %%r12\n\t"
		"movq %[top], %%rsp\n\t"
		"movq %[tid], %%rsi\n\t"
		"movq $-1, %%rdi\n\t"
		"movq $31, %%rdx\n\t"
		"syscall\n\t"
		"movq %%r12, %%rsp\n\t"
		: "+a"(rax)
		: [top] "r"(top), [tid] "r"(tid)
		: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "memory", "cc");
	CHECK(usr2_uc >= KVA + 0x10000 && usr2_uc < KVA + 0x20000,
	      "the signal frame went onto the KVA stack (uc %#lx)", usr2_uc);
	CHECK(usr2_rsp >= KVA + 0x10000 && usr2_rsp < top - 1600 - 128,
	      "the handler ran on it, below the frame and red zone");

	/* exc_segfault: SA_SIGINFO|SA_NODEFER, a fault on an unmapped KVA page */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, 0);
	long v = (long)(KVA + 0x100000);
	__asm__ volatile("movq (%%rax), %%rax" : "+a"(v) : : "memory");
	CHECK_EQ(segv_hits, 1, "a KVA access without a vpte raises SIGSEGV once");
	CHECK_EQ(segv_trapno, 12, "mc_trapno = T_PAGEFLT (12)");
	CHECK_EQ(segv_addr, KVA + 0x100000, "mc_addr = the KVA address");
	CHECK_EQ(segv_err & 2, 0, "mc_err: a read");
	CHECK_EQ(v, 0x5a5a, "mc_rip/mc_rax changed by the handler are live after sigreturn");
	/* a write to a read-only vpte: present, write bit in mc_err */
	pt(0x3000)[2] = 0x12000 | VPTE_V | VPTE_U;
	madvise((void *)(KVA + 0x2000), 4096, MADV_INVAL);
	v = (long)(KVA + 0x2000);
	__asm__ volatile("movq %%rax, (%%rax)" : "+a"(v) : : "memory");
	CHECK_EQ(segv_hits, 2, "a write through a read-only vpte raises SIGSEGV");
	CHECK_EQ(segv_err & 3, 3, "mc_err: protection violation on a write");
	signal(SIGSEGV, SIG_DFL);
}

/* ---------------------------------------------------------- rtld, libthr */

static void rtld_mappings(const char *self)
{
	/* map_object with LD_SHAREDLIB_BASE=0x10000000: TRYFIXED at base + k*256 KiB */
	char *base = (char *)0x10000000;
	long size = 3 * 4096 + 0x200000;
	char *a = mmap(base, size, PROT_NONE, MAP_ANON | MAP_PRIVATE | MAP_NOCORE | MAP_TRYFIXED, -1, 0);
	CHECK(a == base, "MAP_TRYFIXED reservation at 0x10000000 exactly (%p)", a);
	errno = 0;
	char *b = mmap(base, size, PROT_NONE, MAP_ANON | MAP_PRIVATE | MAP_NOCORE | MAP_TRYFIXED, -1, 0);
	CHECK(b == MAP_FAILED && errno == ENOMEM, "a second TRYFIXED at the same place fails with ENOMEM");
	long k;
	for (k = 1; k < 1024; k++) {
		b = mmap(base + k * 0x40000, size, PROT_NONE,
		         MAP_ANON | MAP_PRIVATE | MAP_NOCORE | MAP_TRYFIXED, -1, 0);
		if (b != MAP_FAILED)
			break;
	}
	CHECK(b == base + 0x240000, "rtld's loop finds the first free 256 KiB step (%p)", b);
	/* get_elf_header: mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0) */
	int fd = open(self, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open the program file");
	unsigned char *hdr = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(hdr != MAP_FAILED && hdr[0] == 0x7f && hdr[1] == 'E', "the ELF header page maps");
	unsigned char *mid = mmap(0, 100, PROT_READ, MAP_PRIVATE, fd, 1);
	CHECK(mid != MAP_FAILED && ((unsigned long)mid & 4095) == 1 && mid[0] == 'E',
	      "a file offset inside a page: the result points at that byte (%p)", mid);
	/* overlay "text" and "data" onto the reservation with MAP_FIXED */
	char *t = mmap(a, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0);
	CHECK(t == a && t[1] == 'E', "MAP_FIXED file overlay onto a PROT_NONE reservation");
	char *d = mmap(a + 0x200000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	CHECK(d == a + 0x200000 && d[1] == 'E', "data overlay at the 2 MiB-aligned address");
	d[0] = 1;
	CHECK_EQ(hdr[0], 0x7f, "a private write does not reach other mappings of the file");
	char *bss = mmap(a + 0x201000, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANON, -1, 0);
	CHECK(bss == a + 0x201000 && bss[100] == 0, "bss overlay MAP_FIXED|MAP_ANON is zero");
	bss[100] = 5;
	CHECK_EQ(mprotect(a + 0x200000, 4096, PROT_READ), 0, "RELRO mprotect(PROT_READ)");
	CHECK_EQ(madvise(a + 0x201000, 4096, 9 /* MADV_CORE */), 0, "madvise(MADV_CORE)");
	CHECK_EQ(bss[100], 5, "the neighbouring page keeps its contents");
	CHECK_EQ(munmap(a, size), 0, "munmap of the object");
	munmap(b, size);
	munmap(hdr, 4096);
	close(fd);

	/* libthread_xu: red zone at usrstack - 4 MiB - 4 KiB, MAP_ANON|MAP_TRYFIXED */
	unsigned long usrstack = 0;
	size_t len = sizeof(usrstack);
	int mib[2] = { 1, 33 };
	CHECK_EQ(sysctl(mib, 2, &usrstack, &len, 0, 0), 0, "kern.usrstack {1,33}");
	char *rz = mmap((void *)(usrstack - (4UL << 20) - 4096), 4096, PROT_NONE, MAP_ANON | MAP_TRYFIXED, -1, 0);
	CHECK(rz == (void *)(usrstack - (4UL << 20) - 4096), "the main thread's red zone maps exactly (%p)", rz);
	/* pthread stack guard: MAP_ANON|MAP_FIXED without PRIVATE/SHARED */
	char *st = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	char *g = mmap(st, 4096, PROT_NONE, MAP_ANON | MAP_FIXED, -1, 0);
	CHECK(g == st, "guard page MAP_ANON|MAP_FIXED (neither PRIVATE nor SHARED)");
	/* DF semantics of §7.7 */
	CHECK(mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_STACK | MAP_PRIVATE, -1, 0) != MAP_FAILED,
	      "MAP_STACK with fd -1 is plain anonymous memory");
	CHECK_ERRNO(mmap(0, 4096, PROT_READ, MAP_STACK | MAP_PRIVATE, -1, 0), EINVAL, "MAP_STACK needs RW");
	CHECK_ERRNO(mmap(0, 0, PROT_READ, MAP_ANON, -1, 0), EINVAL, "len 0 -> EINVAL");
	CHECK_ERRNO(mmap(0, 4096, PROT_READ, MAP_ANON, 3, 0), EINVAL, "MAP_ANON with fd != -1 -> EINVAL");
	CHECK_ERRNO(mmap((void *)0x10001000UL, 4096, PROT_READ, MAP_ANON | MAP_FIXED | 0x1, -1, 4096), EINVAL,
	            "MAP_ANON with pos != 0 -> EINVAL");
	CHECK_ERRNO(mmap((void *)0x7FFFFFF00000UL, 0x200000, PROT_READ, MAP_ANON | MAP_FIXED, -1, 0), EINVAL,
	            "MAP_FIXED beyond the user address space -> EINVAL");
	CHECK_ERRNO(mmap((void *)0x10000800UL, 4096, PROT_READ, MAP_ANON | MAP_TRYFIXED, -1, 0), EINVAL,
	            "unaligned MAP_TRYFIXED -> EINVAL");
	char *big = mmap((void *)1, 0x200000, PROT_READ, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(big != MAP_FAILED && ((unsigned long)big & 0x1FFFFF) == 0, "hint 1, 2 MiB size: 2 MiB aligned (%p)", big);
}

/* --------------------------------------------------------------- sysctls */

static void boot_sysctls(void)
{
	static const struct { const char *name; size_t len; long want; int exact; } nodes[] = {
		{ "vm.vkernel_enable", 4, 1, 1 },
		{ "hw.ncpu", 4, 0, 0 },
		{ "hw.tsc_present", 4, 1, 1 },
		{ "hw.tsc_invariant", 4, 0, 0 },
		{ "hw.tsc_mpsync", 4, 0, 1 },
		{ "hw.tsc_frequency", 8, 0, 0 },
		{ "hw.instruction_sse", 4, 1, 1 },
		{ "kern.maxssiz", 8, 0, 0 },
		{ "kern.maxthrssiz", 8, 0, 0 },
	};
	unsigned i;
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		long v = 0;
		size_t len = nodes[i].len;
		int r = sysctlbyname(nodes[i].name, &v, &len, 0, 0);
		CHECK(r == 0 && len == nodes[i].len && (!nodes[i].exact || v == nodes[i].want),
		      "%s by name: %zu bytes, %ld", nodes[i].name, len, v);
	}
	int vmm = 7;
	size_t len = sizeof(vmm);
	int r = sysctlbyname("hw.vmm.enable", &vmm, &len, 0, 0);
	CHECK((r == 0 && vmm == 0) || (r < 0 && errno == ENOENT), "hw.vmm.enable is 0 or absent");
	/* init_fpu: the length variable is uninitialised stack contents */
	unsigned mxcsr_mask = 0x12345;
	size_t garbage = 0x7fff1234;
	errno = 0;
	r = sysctlbyname("hw.mxcsr_mask", &mxcsr_mask, &garbage, 0, 0);
	CHECK((r < 0 && errno == ENOENT) || (r == 0 && garbage <= 4), "hw.mxcsr_mask: ENOENT or at most 4 bytes");
	int ci[5] = { 0 };
	int mib[2] = { 1, 12 };
	len = sizeof(ci);
	CHECK(sysctl(mib, 2, ci, &len, 0, 0) == 0 && len == 20 && ci[1] > 0 && ci[1] <= 1000000,
	      "KERN_CLOCKRATE {1,12}: 20 bytes, tick %d us", ci[1]);
	int tls_extra = 0;
	mib[1] = 37;
	len = sizeof(tls_extra);
	CHECK(sysctl(mib, 2, &tls_extra, &len, 0, 0) == 0 && tls_extra >= 2048, "kern.tls_extra {1,37} (%d)", tls_extra);
	/* name->oid without the NUL; newlen 0 -> ENOENT */
	int oid[14];
	size_t olen = sizeof(oid);
	int meta[2] = { 0, 3 };
	CHECK(sysctl(meta, 2, oid, &olen, "vm.vkernel_enable", 17) == 0 && olen >= 8 && olen % 4 == 0,
	      "{0,3} answers an OID for vm.vkernel_enable (%zu bytes)", olen);
	olen = sizeof(oid);
	CHECK_ERRNO(sysctl(meta, 2, oid, &olen, "hw.ncpu", 0), ENOENT, "{0,3} with newlen 0 -> ENOENT");
}

/* --------------------------------------------------------- signal frames */

__attribute__((used)) unsigned long vkabi_entry_rcx, vkabi_entry_rsp;
__attribute__((used)) void vkabi_probe_c(int sig, siginfo_t *si, void *uc);
__asm__(".text\n.globl vkabi_probe\nvkabi_probe:\n"
        "\tmovq %rcx, vkabi_entry_rcx(%rip)\n"
        "\tmovq %rsp, vkabi_entry_rsp(%rip)\n"
        "\tjmp vkabi_probe_c\n");
void vkabi_probe(int, siginfo_t *, void *);

static volatile unsigned long fp_seen_xmm0, fp_seen_mxcsr, fp_handler_mxcsr;
static volatile unsigned fp_format, fp_owned;
static ucontext_t saved_uc;
void vkabi_probe_c(int sig, siginfo_t *si, void *ucp)
{
	ucontext_t *uc = ucp;
	unsigned char *fx = (unsigned char *)uc->uc_mcontext.mc_fpregs;
	unsigned m;
	(void)sig; (void)si;
	memcpy((void *)&fp_seen_xmm0, fx + 160, 8);
	memcpy(&m, fx + 24, 4);
	fp_seen_mxcsr = m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	fp_handler_mxcsr = m;
	fp_format = uc->uc_mcontext.mc_fpformat;
	fp_owned = uc->uc_mcontext.mc_ownedfp;
	/* hand xmm1 a new value through the frame */
	unsigned long nv = 0x0badcafe0badcafeUL;
	memcpy(fx + 176, &nv, 8);
	saved_uc = *uc;
}

static void signal_frames(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = vkabi_probe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, 0);
	unsigned long xmm1_after = 0;
	unsigned mx_in = 0x7f80, mx_after = 0;	/* round toward zero */
	long rax = SYS_lwp_kill;
	long tid = lwp_gettid();
	__asm__ volatile(
		"movabs $0x1122334455667788, %%r11\n\t"
		"movq %%r11, %%xmm0\n\t"
		"ldmxcsr %[mxin]\n\t"
		"movq $-1, %%rdi\n\t"
		"movq %[tid], %%rsi\n\t"
		"movq $30, %%rdx\n\t"
		"syscall\n\t"
		"movq %%xmm1, %[x1]\n\t"
		"stmxcsr %[mxout]\n\t"
		"movl $0x1f80, %%r11d\n\t"
		"movl %%r11d, %[mxin]\n\t"
		"ldmxcsr %[mxin]\n\t"
		: "+a"(rax), [x1] "=r"(xmm1_after), [mxout] "=m"(mx_after), [mxin] "+m"(mx_in)
		: [tid] "r"(tid)
		: "rcx", "rdx", "rsi", "rdi", "r11", "xmm0", "xmm1", "memory", "cc");
	CHECK_EQ(rax, 0, "lwp_kill(-1, self, SIGUSR1)");
	CHECK_EQ(fp_seen_xmm0, 0x1122334455667788UL, "mc_fpregs holds the interrupted xmm0 (FXSAVE offset 160)");
	CHECK_EQ(fp_seen_mxcsr, 0x7f80, "mc_fpregs holds the interrupted MXCSR");
	CHECK_EQ(fp_handler_mxcsr, 0x1f80, "the handler starts with a fresh MXCSR (0x1F80)");
	CHECK_EQ(fp_format, 0x10002, "mc_fpformat = _MC_FPFMT_XMM");
	CHECK_EQ(fp_owned, 0x20001, "mc_ownedfp = _MC_FPOWNED_FPU");
	CHECK_EQ(xmm1_after, 0x0badcafe0badcafeUL, "sigreturn loads xmm1 from the (modified) mc_fpregs");
	CHECK_EQ(mx_after, 0x7f80, "and the interrupted MXCSR");
	CHECK_EQ(vkabi_entry_rsp % 16, 8, "the handler starts with rsp = 8 mod 16");
	CHECK_EQ(vkabi_entry_rcx, (unsigned long)saved_uc.uc_mcontext.mc_addr, "rcx = tf_addr at handler entry");
	CHECK_EQ(saved_uc.uc_mcontext.mc_cs, 0x2b, "mc_cs 0x2B");
	CHECK_EQ(saved_uc.uc_mcontext.mc_ss, 0x23, "mc_ss 0x23");

	/* sigreturn refuses privileged rflags bits and a kernel cs */
	ucontext_t bad = saved_uc;
	bad.uc_mcontext.mc_rflags |= 0x3000;	/* IOPL */
	CHECK_EQ(__dfly_sc1(SYS_sigreturn, L(&bad)), -EINVAL, "sigreturn with IOPL set in mc_rflags -> EINVAL");
	bad = saved_uc;
	bad.uc_mcontext.mc_cs = 0x08;
	sigset_t blk;
	sigemptyset(&blk);
	sigaddset(&blk, SIGBUS);
	sigprocmask(SIG_BLOCK, &blk, 0);
	CHECK_EQ(__dfly_sc1(SYS_sigreturn, L(&bad)), -EINVAL, "sigreturn with mc_cs RPL 0 -> EINVAL");
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGBUS), "and posts SIGBUS");
	signal(SIGBUS, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &blk, 0);
	signal(SIGBUS, SIG_DFL);
	CHECK_EQ(__dfly_sc1(SYS_sigreturn, 8), -EFAULT, "sigreturn with a bad pointer -> EFAULT");
	signal(SIGUSR1, SIG_DFL);
}

/* ------------------------------------------------- the timer cothread */

static volatile int sigint_hits;
static void on_sigint(int sig) { (void)sig; sigint_hits++; }
static volatile long nap_result = 1, nap_left_ns;
static volatile lwpid_t nap_tid;
static void *timer_cothread(void *arg)
{
	(void)arg;
	nap_tid = lwp_gettid();
	struct timespec ts = { 5, 0 }, rm = { 0, 0 };
	errno = 0;
	nap_result = nanosleep(&ts, &rm) < 0 ? errno : 0;
	nap_left_ns = rm.tv_sec * 1000000000L + rm.tv_nsec;
	return 0;
}

static volatile long idle_result = -1;
static volatile lwpid_t idle_tid;
static volatile int idle_word;
static void *idle_vcpu(void *arg)
{
	(void)arg;
	idle_tid = lwp_gettid();
	errno = 0;
	idle_result = umtx_sleep(&idle_word, 0, 0) < 0 ? errno : 0;
	return 0;
}

static void thread_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_NODEFER;	/* vktimer_sigint */
	sigaction(SIGINT, &sa, 0);
	thread_t th;
	struct timespec small = { 0, 20000000 };
	if (thread_create(&th, timer_cothread, 0) == 0) {
		while (!nap_tid)
			nanosleep(&small, 0);
		nanosleep(&small, 0);
		CHECK_EQ(lwp_kill(-1, nap_tid, SIGINT), 0, "lwp_kill(-1, timer, SIGINT)");
		thread_join(th, 0);
		CHECK_EQ(nap_result, EINTR, "the timer cothread's nanosleep returns EINTR");
		CHECK(nap_left_ns > 1000000000L && nap_left_ns <= 5000000000L, "with the time left in rm (%ld ns)", nap_left_ns);
		CHECK_EQ(sigint_hits, 1, "the SIGINT handler ran once");
	}
	/* umtx_sleep gets EINTR even when the handler has SA_RESTART */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, 0);
	if (thread_create(&th, idle_vcpu, 0) == 0) {
		while (!idle_tid)
			nanosleep(&small, 0);
		nanosleep(&small, 0);
		lwp_kill(-1, idle_tid, SIGINT);
		thread_join(th, 0);
		CHECK_EQ(idle_result, EINTR, "umtx_sleep returns EINTR for an SA_RESTART handler");
	}
	signal(SIGINT, SIG_DFL);
}

/* --------------------------------------------------- restartable calls */

static volatile int alrm_hits;
static void on_alrm(int sig) { (void)sig; alrm_hits++; }
static int rpipe[2];
static volatile lwpid_t reader_tid;
static volatile long reader_result;
static void *pipe_reader(void *arg)
{
	char c = 0;
	(void)arg;
	reader_tid = lwp_gettid();
	errno = 0;
	long r = read(rpipe[0], &c, 1);
	reader_result = r == 1 ? c : -errno;
	return 0;
}

static void restart_reads(void)
{
	struct timespec small = { 0, 30000000 };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	int pass;
	for (pass = 0; pass < 2; pass++) {
		sa.sa_flags = pass ? SA_RESTART : 0;
		sigaction(SIGALRM, &sa, 0);
		pipe(rpipe);
		reader_tid = 0;
		thread_t th;
		if (thread_create(&th, pipe_reader, 0) != 0)
			continue;
		while (!reader_tid)
			nanosleep(&small, 0);
		nanosleep(&small, 0);
		lwp_kill(-1, reader_tid, SIGALRM);
		nanosleep(&small, 0);
		write(rpipe[1], "z", 1);
		thread_join(th, 0);
		if (pass == 0)
			CHECK_EQ(reader_result, -EINTR, "a pipe read interrupted by a handler without SA_RESTART -> EINTR");
		else
			CHECK_EQ(reader_result, 'z', "with SA_RESTART the read restarts and gets the byte");
		close(rpipe[0]);
		close(rpipe[1]);
	}
	CHECK_EQ(alrm_hits, 2, "both handlers ran");
	signal(SIGALRM, SIG_DFL);
}

/* ------------------------------------------------------ files, processes */

static void files_and_procs(const char *dir)
{
	int p[2];
	pipe(p);
	char c = 'q', buf[8];
	CHECK_EQ(extpwrite(p[1], &c, 1, 0, -1), 1, "extpwrite(fd, &c, 1, 0, -1): console output path");
	CHECK_EQ(extpread(p[0], buf, 32, O_FNONBLOCKING, -1), 1, "extpread(fd, buf, 32, O_FNONBLOCKING, -1)");
	CHECK_ERRNO(extpread(p[0], buf, 32, O_FNONBLOCKING, -1), EAGAIN, "an empty pipe with O_FNONBLOCKING -> EAGAIN (35)");
	close(p[0]);
	close(p[1]);
	char path[256];
	snprintf(path, sizeof(path), "%s/vkabi-disk.%d", dir, getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0600);
	CHECK(fd >= 0, "open a disk image with O_RDWR|O_DIRECT");
	CHECK_EQ(__dfly_sc2(SYS_flock, fd, 2 | 4), 0, "flock(LOCK_EX|LOCK_NB)");
	CHECK_EQ(extpwrite(fd, "sector", 6, 0, 512), 6, "pwrite at 512 (unaligned length is fine)");
	CHECK_EQ(extpread(fd, buf, 6, 0, 512), 6, "pread it back");
	CHECK_EQ(memcmp(buf, "sector", 6), 0, "same bytes");
	CHECK_EQ(fsync(fd), 0, "fsync");
	unlink(path);

	CHECK_ERRNO(open("/dev/lpmap", O_RDWR), ENOENT, "/dev/lpmap -> ENOENT (libc falls back)");
	CHECK_ERRNO(open("/dev/upmap", O_RDWR), ENOENT, "/dev/upmap -> ENOENT");
	CHECK_ERRNO(open("/dev/kpmap", O_RDONLY), ENOENT, "/dev/kpmap -> ENOENT");
	int ur = open("/dev/urandom", O_RDONLY);
	char rnd[64];
	CHECK(ur >= 0 && read(ur, rnd, 64) == 64, "/dev/urandom gives 64 bytes (stack guard)");
	close(ur);
	char rp[256];
	CHECK_EQ(__dfly_sc3(SYS___realpath, L("/etc/vkabi-no-libmap.conf"), L(rp), sizeof(rp)), -ENOENT,
	         "__realpath of a missing /etc/libmap.conf -> ENOENT");

	/* the supervisor: __syscall(SYS_fork), wait4, exit code 32 = reboot */
	long rdx = -1;
	long pid = __dfly_sc6_rdx(198, SYS_fork, 0, 0, 0, 0, 0, &rdx);
	if (pid == 0)
		_exit(rdx == 1 ? 32 : 1);
	CHECK(pid > 0 && rdx == 0, "fork via __syscall(198, 2): parent rax = pid, rdx = 0");
	int st = 0;
	CHECK_EQ(wait4(pid, &st, 0, 0), pid, "wait4 returns the child");
	CHECK_EQ((st >> 8) & 0xff, 32, "child saw rdx = 1 and exited 32 (reboot)");
	CHECK_ERRNO(wait4(-1, &st, 0, 0), ECHILD, "no more children -> ECHILD (10)");
	CHECK_EQ(closefrom(1000), 0, "closefrom");
}

/* ---------------------------------------------- step 0 and the extras */

static void reexec_and_extras(const char *self)
{
	/* main(): no LD_SHAREDLIB_BASE -> setenv + execv(argv[0], argv) */
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = { (char *)self, "--reexec-probe", 0 };
		char *env[] = { "LD_SHAREDLIB_BASE=0x10000000", 0 };
		execve(self, args, env);
		_exit(1);
	}
	int st = 0;
	CHECK_EQ(wait4(pid, &st, 0, 0), pid, "wait4 for the re-exec'd child");
	CHECK_EQ((st >> 8) & 0xff, 33, "execve(argv[0]) ran the program again with LD_SHAREDLIB_BASE set");

	/* -l: usched_set(getpid(), USCHED_SET_CPU, &cpu, 4) pins the calling thread */
	int cpu = 0;
	CHECK_EQ(__dfly_sc4(SYS_usched_set, getpid(), 1, L(&cpu), 4), 0, "usched_set(USCHED_SET_CPU, 0)");
	CHECK_EQ(__dfly_sc2(542, -1, L("vcpu0")), 0, "lwp_setname(-1, \"vcpu0\")");
	/* -U: kernel modules go to memory from sbrk next to the binary */
	long brk0 = __dfly_sc1(SYS_sbrk, 0);
	long brk1 = __dfly_sc1(SYS_sbrk, 8192);
	CHECK(brk0 > 0 && brk1 == brk0, "sbrk(8192) returns the old break (0x%lx)", brk0);
	CHECK(brk0 < 0x10000000, "the break is near the binary, below LD_SHAREDLIB_BASE");
	((char *)brk0)[8191] = 1;
	/* rtld with LD_LIBRARY_PATH: fstatfs each object, refuse MNT_NOEXEC */
	static long sfs[40];
	int fd = open(self, O_RDONLY);
	CHECK_EQ(__dfly_sc2(158, fd, L(sfs)), 0, "fstatfs on the program file");
	CHECK_EQ(((int *)sfs)[20] & 4, 0, "f_flags (offset 80) has no MNT_NOEXEC");
	close(fd);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	if (argc > 1 && strcmp(argv[1], "--reexec-probe") == 0) {
		const char *b = getenv("LD_SHAREDLIB_BASE");
		return b && strcmp(b, "0x10000000") == 0 ? 33 : 1;
	}
	boot_memory(dir);
	tls_and_umtx();
	kva_signals();
	rtld_mappings(argv[0]);
	boot_sysctls();
	signal_frames();
	thread_signals();
	restart_reads();
	files_and_procs(dir);
	reexec_and_extras(argv[0]);
	return vkt_done();
}
