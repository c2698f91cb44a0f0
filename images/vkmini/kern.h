/*
 * vkmini: a small virtual kernel for the DragonFly vkernel host interfaces.
 * Shared declarations of the kernel (main.c: host side, proc.c: processes).
 */
#ifndef KERN_H
#define KERN_H
#include <sys/types.h>
#include <vkthread.h>

#define PAGE_SIZE     4096UL
#define PAGE_MASK     (PAGE_SIZE - 1)
#define KVA_START     0x8000000000UL
#define KVA_SIZE      0x8000000000UL
#define USRSTACK      0x7FFFFFE00000UL

/* vpte bits (ABI §3.1) */
#define VPTE_V  0x001UL
#define VPTE_RW 0x002UL
#define VPTE_U  0x004UL
#define VPTE_A  0x020UL
#define VPTE_M  0x040UL
#define VPTE_NX 0x800UL
#define VPTE_FRAME 0x000FFFFFFFFFF000UL

#define MADV_INVAL  10
#define MADV_SETMAP 11

/* DragonFly trap numbers (ABI §2.5) */
#define T_PRIVINFLT    1
#define T_PROTFLT      9
#define T_PAGEFLT     12
#define T_DIVIDE      18
#define T_FAST_SYSCALL 0x81
#define PGEX_P 0x01
#define PGEX_W 0x02
#define PGEX_I 0x10
#define PSL_C  0x01

#define MAXCPU 16
#define NPROC  32
#define EX_VKERNEL_REBOOT 32

struct trapframe {
	unsigned long tf_rdi, tf_rsi, tf_rdx, tf_rcx, tf_r8, tf_r9, tf_rax, tf_rbx, tf_rbp;
	unsigned long tf_r10, tf_r11, tf_r12, tf_r13, tf_r14, tf_r15;
	unsigned long tf_xflags, tf_trapno, tf_addr, tf_flags, tf_err;
	unsigned long tf_rip, tf_cs, tf_rflags, tf_rsp, tf_ss;
};
struct vextframe { unsigned long fs, fssize, gs, gssize; };

/* Requests to a vCPU, set by signal handlers and other CPUs (gd_reqflags). */
#define RQF_TICK   0x1
#define RQF_WAKE   0x2
#define RQF_INTR   0x4	/* console input or SIGTERM pending: see the globals */
#define RQF_DEVINTR 0x8	/* SIGALRM from a device cothread: completions to process */

/* Per-CPU data, in KVA; %gs:0 points at gd_self. */
struct globaldata {
	struct globaldata *gd_self;
	int gd_cpuid;
	int gd_tid;			/* host LWP id of this vCPU thread */
	volatile int gd_reqflags;	/* umtx word of the idle loop */
	volatile int gd_idle;
	volatile unsigned long gd_ticks;
	unsigned long gd_slice_start;
	int gd_resched;
	struct proc *gd_curproc;
	char *gd_stacktop;
	volatile int gd_iowait;		/* asleep in kwait(): kick it with a umtx wakeup */
	char *gd_iobuf[2];		/* this vCPU's device buffers in KVA (IOBUF_SIZE each) */
};

static inline struct globaldata *mycpu(void)
{
	struct globaldata *gd;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(gd));
	return gd;
}

enum pstate { P_FREE, P_NEW, P_RUNNABLE, P_RUNNING, P_SLEEP, P_ZOMBIE };	/* P_NEW: being loaded */

#define NREGION 8
struct region { unsigned long start, end; };

struct proc {
	int p_pmap;			/* &p_pmap is this process's vmspace id */
	int p_pid, p_ppid;
	enum pstate p_state;
	char p_comm[16];
	int p_cpu;			/* last vCPU */
	int p_killed;			/* signal to die of at the next chance */
	int p_xstat;			/* wait status of a zombie */
	int p_waitfor;			/* pid this process waits for (0: none) */
	void *p_wchan;
	struct proc *p_next;		/* run queue */
	unsigned long p_root;		/* phys address of the PML4 page */
	unsigned long p_brkbase, p_brk, p_mmapnext;
	unsigned long p_ticks;
	unsigned long p_deadline;	/* a timed sleep ends then (ns, monotonic); 0: none */
	struct region p_regions[NREGION];
	struct trapframe p_tf;
	struct vextframe p_vext;
	unsigned char p_fpu[512] __attribute__((aligned(16)));
};

/* The kernel's shared state, in KVA, protected by k_lock. */
struct kstate {
	umtx_mutex_t k_lock;
	struct proc k_procs[NPROC];
	struct proc *k_runq, *k_runqtail;
	int k_nextpid;
	/* console: a line discipline in front of fd 0 */
	char k_line[256];
	int k_linelen;
	char k_inq[2048];
	int k_inhead, k_intail;
	int k_ineof;
};

extern struct kstate *K;
extern struct globaldata *cpus[MAXCPU];
extern int ncpus;
extern unsigned long memsize;
extern char *dmap;
extern int memfd;
extern const char *progdir;
extern int hz;

/* main.c */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksnprintf(char *buf, unsigned long n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klock(void);
void kunlock(void);
unsigned long page_alloc(void);
void page_free(unsigned long pa);
unsigned long pages_free(void);
unsigned long *pmap_pte(unsigned long root, unsigned long va, int create);
extern unsigned char fpu_initial[512];
extern int fxsave_broken;
static inline void *phys(unsigned long pa) { return dmap + pa; }
void cpu_kick(int cpu);
void cons_putc_echo(int c);
void cons_write(const char *s, unsigned long n);
_Noreturn void shutdown_halt(void);
_Noreturn void shutdown_reboot(void);
int sysctl_text(const char *name, char *buf, unsigned long len);
void intr_process(struct globaldata *gd);
void *kmem_alloc(unsigned long size);
void kwait(volatile int *done);
void cothread_init(void);
int cothread_start(void *(*fn)(void *), void *arg);
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void init_vkernel(void);
unsigned long nanotime(void);

/* proc.c, for the system calls in other files */
#define SLEPT (-10000)		/* a system call put its caller to sleep */
int copyio(struct proc *p, unsigned long uva, void *kbuf, unsigned long len, int out);
int copyinstr(struct proc *p, unsigned long uva, char *k, unsigned long max);
#define copyin(p, uva, k, n) copyio((p), (uva), (k), (n), 0)
#define copyout(p, k, uva, n) copyio((p), (uva), (void *)(k), (n), 1)
int tsleep(struct proc *p, void *chan);
int tsleep_until(struct proc *p, void *chan, unsigned long deadline);
void wake_deadlines(void);

/* proc.c */
int proc_spawn(struct proc *parent, const char *name, char **argv, int argc);
void cpu_run(struct globaldata *gd);
void wakeup(void *chan);
int ps_text(char *buf, unsigned long len);
void cons_interrupt_fg(void);

#endif
