/*
 * vkmini, host side: option parsing, the supervisor, the memory image with
 * its kernel window (KVA) and direct map (DMAP), per-CPU data and stacks in
 * KVA, the console (termios, kqueue, SIGIO), the timer cothread, vCPU
 * threads, sysctl values and halt/reboot. See vkernel-host-abi.md §1 and §9.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/lwp.h>
#include <sys/syscall.h>
#include <sys/sysctl.h>
#include <sys/wait.h>
#include <vkthread.h>
#include "kern.h"
#include "dev.h"
#include "vkmini.h"

#define L(x) ((long)(x))
#define KSTACK_SIZE (64 * 1024)
#define QUANTUM 2			/* ticks a process runs before others get a turn */
#define TIOCGETA  0x402c7413
#define TIOCSETAF 0x802c7416
#define EVFILT_READ (-1)
#define EV_ADD 0x1
#define EV_DELETE 0x2
#define EV_ENABLE 0x4
#define EV_CLEAR 0x20

struct kevent { unsigned long ident; short filter; unsigned short flags; unsigned fflags; long data; void *udata; };

struct kstate *K;
struct globaldata *cpus[MAXCPU];
int ncpus = 2;
unsigned long memsize;
char *dmap;
int memfd = -1;
const char *progdir;
int hz = 100;
unsigned char fpu_initial[512] __attribute__((aligned(16)));
int fxsave_broken;

static const char *progname = "vkmini";
static char *imagefile, *pidfile;
static char memimg_path[256];
static char kenv[1024];			/* name=value\0 ... \0 */
static int kenvlen;
static int kq = -1;
static volatile int sigio_count, input_pending, term_pending;
static int polled_input;
static unsigned long kva_next = KVA_START, phys_next, free_list, nfree;
static struct { int ncpu, pagesize, hz; char ostype[32], osrelease[32]; } host;
static unsigned char tio_saved[44];
static int tio_ok;

/* ---------------------------------------------------------------- messages */

_Noreturn void die(int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", progname, buf);
	exit(code);
}

static _Noreturn void usage(const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", progname, why);
	fprintf(stderr, "usage: %s -m size[k|m|g] [-n ncpus] [-i memimage] [-p pidfile]\n"
	        "       [-e name=value:...] [-r diskimage] [-c cdimage] [-I interface]\n", progname);
	exit(64);
}

void cons_write(const char *s, unsigned long n)
{
	while (n > 0) {
		long r = __dfly_sc5(SYS_extpwrite, 1, L(s), L(n), 0, -1);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		s += r;
		n -= (unsigned long)r;
	}
}

int ksnprintf(char *buf, unsigned long n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r < 0 ? 0 : (unsigned long)r >= n ? (int)n - 1 : r;
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		cons_write(buf, (unsigned long)n);
}

_Noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("panic: %s\n", buf);
	exit(70);
}

/* ---------------------------------------------------------------- options */

static void kenv_add(const char *arg)
{
	/* name=value:name=value, quotes group and are removed */
	int quote = 0;
	for (const char *s = arg; *s && kenvlen < (int)sizeof(kenv) - 2; s++) {
		if (*s == '"' || *s == '\'')
			quote ^= 1;
		else if (*s == ':' && !quote)
			kenv[kenvlen++] = 0;
		else
			kenv[kenvlen++] = *s;
	}
	kenv[kenvlen++] = 0;
}

static const char *kgetenv(const char *name)
{
	unsigned long n = strlen(name);
	for (int i = 0; i < kenvlen; i += (int)strlen(kenv + i) + 1)
		if (strncmp(kenv + i, name, n) == 0 && kenv[i + n] == '=')
			return kenv + i + n + 1;
	return 0;
}

static void parse_options(int argc, char **argv)
{
	if (argc < 2)
		usage(0);
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (a[0] != '-' || a[1] == 0)
			usage("unexpected argument");
		for (int j = 1; a[j]; j++) {
			char c = a[j];
			if (c == 'd' || c == 'v' || c == 's' || c == 'U')
				continue;	/* accepted, nothing to do in vkmini */
			if (!strchr("ceiImnpr", c)) {
				if (c == 'h')
					usage(0);
				usage("unknown option");
			}
			char *arg = a[j + 1] ? a + j + 1 : (i + 1 < argc ? argv[++i] : 0);
			if (!arg)
				usage("option requires an argument");
			char *end;
			switch (c) {
			case 'm': {
				unsigned long long v = strtoull(arg, &end, 0);
				switch (*end) {
				case 'g': case 'G': v <<= 30; break;
				case 'm': case 'M': v <<= 20; break;
				case 'k': case 'K': v <<= 10; break;
				default: die(64, "Bad maxmem option");
				}
				memsize = v;
				break;
			}
			case 'n': {
				long n = strtol(arg, &end, 0);
				if (n < 1 || n > 256 || (*end && *end != ':'))
					usage("Bad ncpus, valid range is 1-256");
				if (n > MAXCPU)
					die(64, "vkmini supports at most %d cpus", MAXCPU);
				ncpus = (int)n;
				break;
			}
			case 'i': imagefile = arg; break;
			case 'p': pidfile = arg; break;
			case 'e': kenv_add(arg); break;
			case 'r': case 'c': case 'I': {
				char **list = c == 'r' ? vkd_opt : c == 'c' ? vcd_opt : vke_opt;
				int *n = c == 'r' ? &nvkd_opt : c == 'c' ? &nvcd_opt : &nvke_opt;
				if (*n < 16)
					list[(*n)++] = arg;
				else
					fprintf(stderr, "%s: -%c %s: at most 16, ignored\n", progname, c, arg);
				break;
			}
			}
			break;
		}
	}
}

static void writepid(void)
{
	if (!pidfile)
		return;
	int fd = open(pidfile, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK, 0666);
	if (fd < 0) {
		fprintf(stderr, "%s\n", errno == EWOULDBLOCK ? "Failed to lock pidfile, vkernel already running"
		        : "Failed to create pidfile");
		exit(70);
	}
	ftruncate(fd, 0);
	dprintf(fd, "%d\n", getpid());	/* the fd stays open: it holds the lock */
}

/* ---------------------------------------------------------------- memory */

unsigned long page_alloc(void)
{
	unsigned long pa = 0;
	if (free_list) {
		pa = free_list;
		free_list = *(unsigned long *)phys(pa);
		nfree--;
	} else if (phys_next + PAGE_SIZE <= memsize) {
		pa = phys_next;
		phys_next += PAGE_SIZE;
	}
	if (pa)
		memset(phys(pa), 0, PAGE_SIZE);
	return pa;
}

void page_free(unsigned long pa)
{
	*(unsigned long *)phys(pa) = free_list;
	free_list = pa;
	nfree++;
}

unsigned long pages_free(void)
{
	return (memsize - phys_next) / PAGE_SIZE + nfree;
}

/* The leaf vpte for va in the four-level table at root, made if create. */
unsigned long *pmap_pte(unsigned long root, unsigned long va, int create)
{
	unsigned long *t = phys(root);
	for (int shift = 39; shift > 12; shift -= 9) {
		unsigned long *e = &t[(va >> shift) & 511];
		if (!(*e & VPTE_V)) {
			unsigned long pa = create ? page_alloc() : 0;
			if (!pa)
				return 0;
			*e = pa | VPTE_V | VPTE_RW | VPTE_U;
		}
		t = phys(*e & VPTE_FRAME);
	}
	return &t[(va >> 12) & 511];
}

void *kmem_alloc(unsigned long size)
{
	char *va = (char *)kva_next;
	size = (size + PAGE_MASK) & ~PAGE_MASK;
	for (unsigned long off = 0; off < size; off += PAGE_SIZE) {
		unsigned long pa = page_alloc();
		unsigned long *pte = pa ? pmap_pte(0, kva_next + off, 1) : 0;
		if (!pte)
			die(1, "out of memory for the kernel");
		*pte = pa | VPTE_V | VPTE_RW | VPTE_U;	/* new mapping: no invalidation needed */
	}
	kva_next += size;
	return va;
}

static void init_sys_memory(void)
{
	struct stat st;
	if (imagefile && !memsize && stat(imagefile, &st) == 0)
		memsize = (unsigned long)st.st_size;
	if (!memsize)
		die(1, "Cannot create new memory file %s unless you also specify -m size",
		    imagefile ? imagefile : "");
	if (memsize < (64UL << 20) || (memsize & 0x1FFFFF))
		die(1, "Bad maxmem specification: 64MB minimum, multiples of 2MB only");

	int fd = -1, err = 0;
	if (imagefile) {
		snprintf(memimg_path, sizeof(memimg_path), "%s", imagefile);
		fd = open(memimg_path, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK, 0644);
		err = errno;
	} else {
		const char *dir = kgetenv("vkmini.statedir");
		for (int i = 0; i < 1000000; i++) {
			if (dir)
				snprintf(memimg_path, sizeof(memimg_path), "%s/memimg.%06d", dir, i);
			else
				snprintf(memimg_path, sizeof(memimg_path), "/tmp/vkmini-memimg.%06d", i);
			fd = open(memimg_path, O_RDWR | O_CREAT | O_EXLOCK | O_NONBLOCK, 0644);
			err = errno;
			if (fd >= 0 || stat(memimg_path, &st) != 0)
				break;	/* got one, or the name is free yet cannot be created */
		}
	}
	if (fd < 0 && err == EWOULDBLOCK)
		die(1, "memory image %s is in use by another vkernel", memimg_path);
	if (fd < 0)
		die(1, "Unable to open/create %s: %s", memimg_path, strerror(err));
	fprintf(stderr, "Using memory file: %s\n", memimg_path);
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)memsize) < 0)
		die(1, "Unable to size %s: %s", memimg_path, strerror(errno));
	memfd = fd;
}

static void init_kern_memory(void)
{
	void *kva = mmap((void *)KVA_START, KVA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
	                 MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED | MAP_TRYFIXED, memfd, (off_t)KVA_START);
	if (kva != (void *)KVA_START)
		die(1, "Unable to mmap() kernel virtual memory!");
	madvise(kva, KVA_SIZE, MADV_NOSYNC);
	printf("KVM mapped at 0x%lx-0x%lx\n", KVA_START, KVA_START + KVA_SIZE);

	dmap = mmap(0, memsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NOSYNC | MAP_NOCORE, memfd, 0);
	if (dmap == MAP_FAILED)
		die(1, "Unable to mmap() the direct map");

	/* phys 0: the kernel PML4; its slot 1 covers the KVA window. Built through the DMAP. */
	phys_next = PAGE_SIZE;
	unsigned long pdp = page_alloc();
	((unsigned long *)phys(0))[KVA_START >> 39] = pdp | VPTE_V | VPTE_RW | VPTE_U;
	madvise(kva, KVA_SIZE, MADV_INVAL);
	if (__dfly_sc4(485, L(kva), L(KVA_SIZE), MADV_SETMAP, 0 | VPTE_RW | VPTE_V) < 0)
		die(1, "mcontrol(MADV_SETMAP) of the kernel window failed");
}

/* ---------------------------------------------------------------- console */

static void cons_restore(void)
{
	if (tio_ok)
		while (__dfly_sc3(SYS_ioctl, 0, TIOCSETAF, L(tio_saved)) == -EINTR)
			;
}

static void cons_init(void)
{
	unsigned char tio[44];
	if (__dfly_sc3(SYS_ioctl, 0, TIOCGETA, L(tio_saved)) == 0) {
		unsigned *fl = (unsigned *)tio;
		memcpy(tio, tio_saved, sizeof(tio));
		fl[0] &= ~(0x2000u | 0x400 | 0x10 | 0x2 | 0x8 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x4);
		fl[0] |= 0x1;				/* IGNBRK */
		fl[1] |= 0x1 | 0x2;			/* OPOST|ONLCR */
		fl[2] = (fl[2] & ~(0x300u | 0x1000)) | 0x300 | 0x800;	/* CS8|CREAD */
		fl[3] &= ~(0x8u | 0x2 | 0x4 | 0x10 | 0x100 | 0x80 | 0x400 | 0x80000000u | 0x400000 | 0x20000000);
		fl[3] |= 0x80;				/* ISIG, with INTR/SUSP/STATUS disabled */
		tio[16 + 16] = 1;			/* VMIN */
		tio[16 + 17] = 0;			/* VTIME */
		tio[16 + 8] = tio[16 + 10] = tio[16 + 18] = 0xff;
		tio_ok = 1;
		atexit(cons_restore);
		__dfly_sc3(SYS_ioctl, 0, TIOCSETAF, L(tio));
	}
	kq = (int)__dfly_sc0(SYS_kqueue);
	struct kevent kev = { 0, EVFILT_READ, EV_ADD | EV_ENABLE | EV_CLEAR, 0, 0, 0 };
	struct timespec zero = { 0, 0 };
	if (kq < 0 || __dfly_sc6(SYS_kevent, kq, L(&kev), 1, 0, 0, L(&zero)) < 0)
		panic("cannot watch the console with a kqueue");
	if (__dfly_sc3(SYS_fcntl, kq, F_SETOWN, getpid()) < 0 || __dfly_sc3(SYS_fcntl, kq, F_SETFL, O_ASYNC) < 0)
		panic("Cannot configure kqueue for SIGIO");
}

void cons_putc_echo(int c)
{
	char ch = (char)c;
	cons_write(&ch, 1);
}

static void cons_input(int c)
{
	if (c == '\r')
		c = '\n';
	if (c == 3) {				/* ^C: stop what init waits for */
		cons_write("^C\n", 3);
		K->k_linelen = 0;
		cons_interrupt_fg();
		return;
	}
	if (c == 0x7f || c == 8) {
		if (K->k_linelen > 0) {
			K->k_linelen--;
			cons_write("\b \b", 3);
		}
		return;
	}
	if (c != '\n' && c != '\t' && (c < 32 || c > 126))
		return;
	if (c != '\n' && K->k_linelen >= (int)sizeof(K->k_line) - 1)
		return;
	K->k_line[K->k_linelen++] = (char)c;
	cons_putc_echo(c);
	if (c != '\n')
		return;
	for (int i = 0; i < K->k_linelen; i++) {
		int next = (K->k_intail + 1) % (int)sizeof(K->k_inq);
		if (next == K->k_inhead)
			break;			/* full: drop the rest */
		K->k_inq[K->k_intail] = K->k_line[i];
		K->k_intail = next;
	}
	K->k_linelen = 0;
	wakeup(&K->k_inq);
}

/* Drain fd 0 until EAGAIN ("virtual IRQ" of the console). */
static void cons_intr(void)
{
	char buf[32];
	for (;;) {
		long n = __dfly_sc5(SYS_extpread, 0, L(buf), sizeof(buf), O_FNONBLOCKING, -1);
		if (n == 0) {
			struct kevent kev = { 0, EVFILT_READ, EV_DELETE, 0, 0, 0 };
			__dfly_sc6(SYS_kevent, kq, L(&kev), 1, 0, 0, 0);
			K->k_ineof = 1;
			wakeup(&K->k_inq);
			return;
		}
		if (n < 0)
			return;
		for (long i = 0; i < n; i++)
			cons_input((unsigned char)buf[i]);
	}
}

/*
 * Collect the kqueue's events (so that it is empty again and the next input
 * raises SIGIO anew), then drain the console. This runs on SIGIO and, as a
 * safety net for input whose SIGIO never comes, from CPU 0's timer tick;
 * kern.console.polled counts the input found that way.
 */
static void cons_poll(int sigio)
{
	struct kevent ev[8];
	struct timespec zero = { 0, 0 };
	long n;
	int any = sigio;
	while ((n = __dfly_sc6(SYS_kevent, kq, 0, 0, L(ev), 8, L(&zero))) > 0) {
		if (!sigio && !any)
			polled_input++;
		any = 1;
		if (n < 8)
			break;
	}
	if (any)
		cons_intr();
}

/* ---------------------------------------------------------------- CPUs and signals */

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	struct globaldata *gd = mycpu();
	gd->gd_ticks++;
	__atomic_or_fetch(&gd->gd_reqflags, RQF_TICK, __ATOMIC_SEQ_CST);
}

static void on_sigio(int sig, siginfo_t *si, void *uc)
{
	sigio_count++;
	input_pending = 1;
	__atomic_or_fetch(&mycpu()->gd_reqflags, RQF_INTR, __ATOMIC_SEQ_CST);
}

static void on_term(int sig, siginfo_t *si, void *uc)
{
	term_pending = 1;
	__atomic_or_fetch(&mycpu()->gd_reqflags, RQF_INTR, __ATOMIC_SEQ_CST);
}

/* A device cothread finished work (vkd completions, vke frames): virtual IRQ 1. */
static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	__atomic_or_fetch(&mycpu()->gd_reqflags, RQF_DEVINTR, __ATOMIC_SEQ_CST);
}

static void on_ipi(int sig, siginfo_t *si, void *uc)
{
	__atomic_or_fetch(&mycpu()->gd_reqflags, RQF_WAKE, __ATOMIC_SEQ_CST);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, 0);
}

void klock(void) { umtx_mutex_lock(&K->k_lock); }
void kunlock(void) { umtx_mutex_unlock(&K->k_lock); }

/* Make a vCPU look at the run queue: wake it when idle, interrupt its guest otherwise. */
void cpu_kick(int cpu)
{
	struct globaldata *gd = cpus[cpu];
	if (!gd || gd == mycpu())
		return;
	__atomic_or_fetch(&gd->gd_reqflags, RQF_WAKE, __ATOMIC_SEQ_CST);
	if (gd->gd_idle || gd->gd_iowait)
		__dfly_sc2(SYS_umtx_wakeup, L(&gd->gd_reqflags), 1);
	else
		lwp_kill(-1, gd->gd_tid, SIGUSR1);
}

/* Work the signal handlers left for this CPU; called with the kernel lock held. */
void intr_process(struct globaldata *gd)
{
	int f = __atomic_exchange_n(&gd->gd_reqflags, 0, __ATOMIC_SEQ_CST);
	if (f & RQF_TICK) {
		if (gd->gd_curproc) {
			gd->gd_curproc->p_ticks++;
			if (gd->gd_ticks - gd->gd_slice_start >= QUANTUM)
				gd->gd_resched = 1;
		}
		if (gd->gd_cpuid == 0 && !K->k_ineof)
			cons_poll(0);
		if (gd->gd_cpuid == 0)
			wake_deadlines();
	}
	if (f & RQF_DEVINTR) {
		vkd_intr();
		vke_intr();
	}
	if (__atomic_exchange_n(&input_pending, 0, __ATOMIC_SEQ_CST) && !K->k_ineof)
		cons_poll(1);
	if (term_pending) {
		kprintf("\nCaught SIGTERM from host system. Shutting down...\n");
		shutdown_halt();
	}
}

/*
 * Sleep on this vCPU, the kernel lock let go, until *done is set (by a
 * device interrupt, which kicks this CPU). Interrupts addressed to this
 * CPU are handled meanwhile, so it can wait for its own SIGALRMs.
 */
void kwait(volatile int *done)
{
	struct globaldata *gd = mycpu();
	gd->gd_iowait = 1;
	while (!*done) {
		kunlock();
		__dfly_sc3(SYS_umtx_sleep, L(&gd->gd_reqflags), 0, 1000000);
		klock();
		intr_process(gd);
	}
	gd->gd_iowait = 0;
}

unsigned long nanotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

/* A host thread that is not a vCPU: no signals (they go to vCPUs) and no per-CPU data. */
void cothread_init(void)
{
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGINT);
	sigprocmask(SIG_BLOCK, &all, 0);
	struct tls_info ti = { 0, 0 };
	set_tls_area(1, &ti, sizeof(ti));
}

/* Start a cothread with every signal blocked from its first instruction on. */
int cothread_start(void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	thread_t t;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int r = thread_create(&t, fn, arg);
	sigprocmask(SIG_SETMASK, &old, 0);
	return r;
}

static struct globaldata *cpu_alloc(int n)
{
	struct globaldata *gd = kmem_alloc(PAGE_SIZE);
	kva_next += PAGE_SIZE;			/* unmapped guard page below the stack */
	char *stack = kmem_alloc(KSTACK_SIZE);
	gd->gd_self = gd;
	gd->gd_cpuid = n;
	gd->gd_stacktop = stack + KSTACK_SIZE;
	gd->gd_iobuf[0] = kmem_alloc(IOBUF_SIZE);
	gd->gd_iobuf[1] = kmem_alloc(IOBUF_SIZE);
	return gd;
}

static void cpu_set_gs(struct globaldata *gd)
{
	struct tls_info ti = { gd, sizeof(*gd) };
	set_tls_area(1, &ti, sizeof(ti));
	gd->gd_tid = lwp_gettid();
}

/* Continue on another stack: fn(arg) with rsp = top; never returns. */
_Noreturn void switch_stack(char *top, void (*fn)(void *), void *arg);
__asm__(".text\n.globl switch_stack\nswitch_stack:\n"
        "\tmovq %rdi, %rsp\n\tmovq %rdx, %rdi\n\txorl %ebp, %ebp\n\tcall *%rsi\n\tud2\n");

static volatile int ap_started;

static void ap_main(void *arg)
{
	struct globaldata *gd = arg;
	klock();
	kprintf("cpu%d: vCPU thread %d running on its KVA stack\n", gd->gd_cpuid, gd->gd_tid);
	__atomic_add_fetch(&ap_started, 1, __ATOMIC_SEQ_CST);
	cpu_run(gd);
}

static void *ap_start(void *arg)
{
	struct globaldata *gd = arg;
	cpu_set_gs(gd);
	switch_stack(gd->gd_stacktop, ap_main, gd);
}

static void *timer_thread(void *arg)
{
	cothread_init();
	struct timespec ts = { 0, 1000000000L / hz };
	for (;;) {
		nanosleep(&ts, 0);
		for (int i = 0; i < ncpus; i++)
			if (cpus[i] && cpus[i]->gd_tid > 0)
				lwp_kill(-1, cpus[i]->gd_tid, SIGURG);
	}
	return 0;
}

/* ---------------------------------------------------------------- sysctl */

struct sctx { char *buf; unsigned long len; int off; const char *want; int exact; };

static void put(struct sctx *c, const char *name, const char *fmt, ...)
{
	char val[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (c->exact)
		return;
	unsigned long wl = c->want ? strlen(c->want) : 0;
	if (c->want && strcmp(c->want, name) == 0) {
		c->off = ksnprintf(c->buf, c->len, "%s", val);	/* one name: its value alone */
		c->exact = 1;
	} else if (!c->want || (strncmp(c->want, name, wl) == 0 && name[wl] == '.')) {
		if ((unsigned long)c->off + 1 < c->len)
			c->off += ksnprintf(c->buf + c->off, c->len - (unsigned long)c->off, "%s: %s\n", name, val);
	}
}

/* Name/value text for init's sysctl command: everything, a subtree, or one value. */
int sysctl_text(const char *want, char *buf, unsigned long len)
{
	struct sctx c = { buf, len, 0, want && *want ? want : 0, 0 };
	put(&c, "kern.ostype", "vkmini");
	put(&c, "kern.osrelease", "1.0");
	put(&c, "kern.version", "vkmini 1.0: a virtual kernel on the DragonFly vkernel ABI");
	put(&c, "kern.hz", "%d", hz);
	put(&c, "kern.ticks", "%lu", cpus[0]->gd_ticks);
	put(&c, "kern.console.sigio", "%d", sigio_count);
	put(&c, "kern.console.polled", "%d", polled_input);
	put(&c, "hw.machine", "x86_64");
	put(&c, "hw.ncpu", "%d", ncpus);
	put(&c, "hw.physmem", "%lu", memsize);
	put(&c, "vm.memimage", "%s", memimg_path);
	put(&c, "vm.free_pages", "%lu", pages_free());
	put(&c, "host.ostype", "%s", host.ostype);
	put(&c, "host.osrelease", "%s", host.osrelease);
	put(&c, "host.ncpu", "%d", host.ncpu);
	put(&c, "host.pagesize", "%d", host.pagesize);
	put(&c, "host.hz", "%d", host.hz);
	for (int i = 0; i < vke_count(); i++) {
		const char *leaf;
		int v;
		char name[64];
		if (vke_sysctl(i, &leaf, &v)) {
			ksnprintf(name, sizeof(name), "hw.vke%d.%s", i, leaf);
			put(&c, name, "%d", v);
		}
	}
	for (int i = 0; i < kenvlen; i += (int)strlen(kenv + i) + 1) {
		char name[64];
		const char *eq = strchr(kenv + i, '=');
		int nl = eq ? (int)(eq - (kenv + i)) : (int)strlen(kenv + i);
		ksnprintf(name, sizeof(name), "kenv.%.*s", nl, kenv + i);
		put(&c, name, "%s", eq ? eq + 1 : "");
	}
	return c.exact || c.off > 0 ? c.off : -1;
}

static void read_host_sysctls(void)
{
	int v = 0;
	size_t n = sizeof(v);
	if (sysctlbyname("vm.vkernel_enable", &v, &n, 0, 0) < 0 || v == 0)
		die(1, "vm.vkernel_enable is 0, must be set to 1 to execute a vkernel!");
	n = sizeof(host.ncpu);
	if (sysctlbyname("hw.ncpu", &host.ncpu, &n, 0, 0) < 0)
		host.ncpu = 1;
	n = sizeof(host.pagesize);
	sysctlbyname("hw.pagesize", &host.pagesize, &n, 0, 0);
	n = sizeof(host.ostype) - 1;
	sysctlbyname("kern.ostype", host.ostype, &n, 0, 0);
	n = sizeof(host.osrelease) - 1;
	sysctlbyname("kern.osrelease", host.osrelease, &n, 0, 0);
	int mib[2] = { 1, 12 };			/* kern.clockrate */
	int ci[5];
	n = sizeof(ci);
	if (sysctl(mib, 2, ci, &n, 0, 0) == 0 && n == sizeof(ci))
		host.hz = ci[0];
}

/* ---------------------------------------------------------------- halt / reboot */

_Noreturn void shutdown_halt(void)
{
	kprintf("The operating system has halted.\n");
	if (pidfile)
		unlink(pidfile);
	exit(0);
}

_Noreturn void shutdown_reboot(void)
{
	kprintf("Rebooting...\n");
	cons_restore();
	closefrom(3);			/* releases the memory image lock for the next child */
	if (pidfile)
		unlink(pidfile);
	exit(EX_VKERNEL_REBOOT);
}

/* ---------------------------------------------------------------- boot */

/*
 * The FPU state new processes start with (FCW 0x37F, MXCSR 0x1F80, clear
 * registers), and a check that FXSAVE stores MXCSR and %xmm as it must.
 */
static void fpu_init(void)
{
	unsigned long v = 0x5a5a00005a5a0001UL, got;
	memset(fpu_initial, 0, sizeof(fpu_initial));
	__asm__ volatile("fninit\n\tpushq $0x1f80\n\tldmxcsr (%%rsp)\n\taddq $8, %%rsp\n\t"
	                 "movq %1, %%xmm7\n\tfxsave %0" : "=m"(fpu_initial) : "r"(v) : "memory", "xmm7");
	memcpy(&got, fpu_initial + 160 + 7 * 16, sizeof(got));
	fxsave_broken = got != v || *(unsigned *)(fpu_initial + 24) != 0x1f80;
	*(unsigned *)(fpu_initial + 24) = 0x1f80;
	memset(fpu_initial + 160, 0, 256);
}

static void boot_main(void *arg)
{
	struct globaldata *gd = mycpu();
	cons_init();
	fpu_init();
	handle(SIGURG, on_tick);
	handle(SIGIO, on_sigio);
	handle(SIGTERM, on_term);
	handle(SIGUSR1, on_ipi);
	handle(SIGALRM, on_alarm);

	kprintf("vkmini: %lu MB memory, %d cpu%s\n", memsize >> 20, ncpus, ncpus > 1 ? "s" : "");
	kprintf("vkmini: kernel PML4 at phys 0x0, KVA 0x%lx-0x%lx in use, per-CPU data at %p (%%gs)\n",
	        KVA_START, kva_next, (void *)gd);
	kprintf("vkmini: host %s %s, %d cpus, hz %d\n", host.ostype, host.osrelease, host.ncpu, host.hz);
	if (fxsave_broken)
		kprintf("vkmini: warning: the host's FXSAVE/FXRSTOR skip MXCSR and %%xmm; moving them by hand\n");

	thread_t t;
	if (cothread_start(timer_thread, 0) != 0)
		panic("cannot start the timer cothread");
	for (int i = 1; i < ncpus; i++) {
		if (thread_create(&t, ap_start, cpus[i]) != 0)
			panic("cannot start cpu%d", i);
		while (ap_started < i)
			usleep(1000);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, 0);

	klock();
	vkd_attach_all();
	vcd_attach_all();
	vke_attach_all();
	if (vkd_count() > 0 && ufs_mount(0) == 0)
		rootfs = 0;
	for (int i = 0; i < vcd_count(); i++)
		if (iso_mount(i) < 0)
			kprintf("vcd%d: no ISO 9660 primary volume descriptor\n", i);
	if (rootfs < 0)
		kprintf("vkmini: programs come from the host directory %s\n", progdir);
	else
		kprintf("vkmini: root file system on vkd0: /sbin/init, /bin/*\n");
	char *argv[] = { "init", 0 };
	int r = proc_spawn(0, "init", argv, 1);
	if (r < 0)
		panic("cannot start %s: error %d", rootfs < 0 ? "init" : "/sbin/init from vkd0", -r);
	cpu_run(gd);
}

/*
 * The kernel's own state in KVA: the shared kernel structure and the
 * per-CPU data. (A VKERNEL64 has a function of this name; vkemu's pre-boot
 * option check recognises a virtual kernel by the symbol.)
 */
void init_vkernel(void)
{
	K = kmem_alloc(sizeof(*K));
	K->k_nextpid = 1;
	for (int i = 0; i < ncpus; i++)
		cpus[i] = cpu_alloc(i);
}

static int vkernel_main(int argc, char **argv)
{
	read_host_sysctls();
	parse_options(argc, argv);
	writepid();
	vkd_open_all();
	vcd_open_all();
	vke_open_all();
	sigset_t intr;
	sigemptyset(&intr);
	sigaddset(&intr, SIGALRM);
	sigaddset(&intr, SIGIO);
	sigaddset(&intr, SIGUSR1);
	sigaddset(&intr, SIGURG);
	sigprocmask(SIG_BLOCK, &intr, 0);

	static char dir[256];
	const char *bd = kgetenv("vkmini.bindir");
	if (bd)
		progdir = bd;
	else {
		const char *slash = strrchr(argv[0], '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
		progdir = dir;
	}

	init_sys_memory();
	init_kern_memory();
	init_vkernel();
	cpu_set_gs(cpus[0]);
	switch_stack(cpus[0]->gd_stacktop, boot_main, 0);
}

/* ---------------------------------------------------------------- supervisor */

static pid_t childpid;

static void handle_term(int sig)
{
	kill(childpid, sig);
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	progname = slash ? slash + 1 : argv[0];
	for (;;) {
		childpid = fork();
		if (childpid == 0) {
			/* a rebooted child must not forward SIGTERM to its process group */
			signal(SIGTERM, SIG_DFL);
			return vkernel_main(argc, argv);
		}
		if (childpid < 0)
			die(1, "fork: %s", strerror(errno));
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigaction(SIGINT, &sa, 0);
		sigaction(SIGQUIT, &sa, 0);
		sigaction(SIGHUP, &sa, 0);
		sa.sa_handler = handle_term;
		sigaction(SIGTERM, &sa, 0);
		int status = 0;
		for (;;) {
			pid_t r = wait4(childpid, &status, 0, 0);
			if (r == childpid)
				break;
			if (r < 0 && errno == ECHILD)
				exit(1);
		}
		if (WEXITSTATUS(status) != EX_VKERNEL_REBOOT)
			return 0;
	}
}
