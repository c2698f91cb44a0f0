/*
 * A stand-in for a DragonFly kernel's data, for testing vkemu's gdb extension
 * (src/gdb/python/dfly.py) without a real kernel: the variables and structure
 * fields the extension reads, with DragonFly 5.9's names (procglob[].allproc,
 * p_lwp_tree, gd_tdallq, CPU_prvspace, msgbufp, vm_map's rb_root, pm_pml4,
 * dmap_min_address), filled with a known state. %gs points at CPU 1's
 * privatespace, as a vkernel's vCPU thread has it. It stops in ready() for
 * the test (test/gdb-dfly.test.ts) and exits 0.
 */
#include <stdio.h>
#include <string.h>
#include <sys/lwp.h>

#define RB_ENTRY(type) struct { struct type *rbe_left, *rbe_right, *rbe_parent; int rbe_color; }

enum procstat { SIDL = 1, SACTIVE, SSTOP, SZOMB, SCORE };
enum lwpstat { LSRUN = 1, LSSTOP, LSSLEEP };

struct proc;
struct lwp;
struct globaldata;

struct thread {
	struct { struct thread *tqe_next, **tqe_prev; } td_allq;
	struct lwp *td_lwp;
	struct proc *td_proc;
	struct globaldata *td_gd;
	const char *td_wmesg;
	const volatile void *td_wchan;
	int td_pri;
	unsigned td_flags;
	char td_comm[17];
};

struct lwp {
	RB_ENTRY(lwp) lwp_rbnode;
	struct proc *lwp_proc;
	int lwp_tid;
	enum lwpstat lwp_stat;
	struct thread *lwp_thread;
};

struct vm_map_entry {
	RB_ENTRY(vm_map_entry) rb_entry;
	struct {
		unsigned long start, end;
		void *pmap;
		union { void *object; void *sub_map; };
	} ba;
	int eflags;
	unsigned char maptype;
	unsigned char protection;
};

struct vmspace {
	struct { int lock; struct { struct vm_map_entry *rbh_root; } rb_root; int nentries; unsigned long size; } vm_map;
	struct { unsigned long *pm_pml4; } vm_pmap;
};

struct proc {
	struct { struct proc *le_next, **le_prev; } p_list;
	int p_flags;
	enum procstat p_stat;
	int p_pid;
	struct proc *p_pptr;
	struct vmspace *p_vmspace;
	char p_comm[17];
	int p_nthreads;
	struct { struct lwp *rbh_root; } p_lwp_tree;
};

struct globaldata {
	struct privatespace *gd_prvspace;
	struct thread *gd_curthread;
	struct { struct thread *tqh_first, **tqh_last; } gd_tdallq;
	unsigned gd_cpuid;
};
struct mdglobaldata { struct globaldata mi; long md_extra; };
struct privatespace { struct mdglobaldata mdglobaldata; char filler[4096]; };

struct msgbuf {
	unsigned int msg_magic, msg_size, msg_bufx, msg_bufr;
	char *msg_ptr;
	unsigned int msg_bufl, msg_unused01;
};

struct procglob { int proc_token; struct { struct proc *lh_first; } allproc; void *pad; };

/* What the extension reads. */
struct procglob procglob[4];
struct msgbuf *msgbufp;
struct privatespace *CPU_prvspace;
int ncpus = 2;
void *dmap_min_address;

static struct privatespace prv[2];
static struct proc procs[3];
static struct lwp lwps[4];
static struct thread threads[6];
static struct msgbuf mb;
static char msgdata[64];
static struct vmspace vms;
static struct vm_map_entry entries[3];
static unsigned long phys[6 * 512] __attribute__((aligned(4096)));
static int channel;

static void thread_init(struct thread *td, const char *name, int cpu, int pri, const char *wmesg, const void *wchan)
{
	strcpy(td->td_comm, name);
	td->td_gd = &prv[cpu].mdglobaldata.mi;
	td->td_pri = pri;
	td->td_wmesg = wmesg;
	td->td_wchan = wchan;
	struct globaldata *gd = td->td_gd;
	/* Append to the CPU's gd_tdallq. */
	struct thread **tail = &gd->gd_tdallq.tqh_first;
	while (*tail)
		tail = &(*tail)->td_allq.tqe_next;
	*tail = td;
}

static void proc_init(struct proc *p, int pid, struct proc *parent, const char *comm, enum procstat st, int hash)
{
	p->p_pid = pid;
	p->p_pptr = parent;
	p->p_stat = st;
	strcpy(p->p_comm, comm);
	p->p_list.le_next = procglob[hash].allproc.lh_first;
	procglob[hash].allproc.lh_first = p;
}

static void lwp_init(struct lwp *lp, struct proc *p, int tid, enum lwpstat st, struct thread *td)
{
	lp->lwp_proc = p;
	lp->lwp_tid = tid;
	lp->lwp_stat = st;
	lp->lwp_thread = td;
	td->td_lwp = lp;
	td->td_proc = p;
	p->p_nthreads++;
}

/* The test's breakpoint. */
__attribute__((noinline)) void ready(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	CPU_prvspace = prv;
	for (int c = 0; c < 2; c++) {
		prv[c].mdglobaldata.mi.gd_prvspace = &prv[c];
		prv[c].mdglobaldata.mi.gd_cpuid = c;
	}
	/* Threads: CPU 0 runs idle and a kernel thread, CPU 1 runs init's and sh's. */
	thread_init(&threads[0], "idle_0", 0, 0, 0, 0);
	thread_init(&threads[1], "syncer", 0, 10, "syncer", &channel);
	thread_init(&threads[2], "init", 1, 20, "wait", &procs[0]);
	thread_init(&threads[3], "sh", 1, 20, 0, 0);
	thread_init(&threads[4], "sh", 1, 20, "ttyin", &channel);
	prv[0].mdglobaldata.mi.gd_curthread = &threads[1];
	prv[1].mdglobaldata.mi.gd_curthread = &threads[3];

	/* Processes on two hash chains; sh (pid 12) has two LWPs in its tree. */
	proc_init(&procs[0], 1, 0, "init", SACTIVE, 1);
	proc_init(&procs[1], 12, &procs[0], "sh", SACTIVE, 0);
	proc_init(&procs[2], 13, &procs[1], "zombie", SZOMB, 1);
	lwp_init(&lwps[0], &procs[0], 1, LSSLEEP, &threads[2]);
	lwp_init(&lwps[1], &procs[1], 1, LSRUN, &threads[3]);
	lwp_init(&lwps[2], &procs[1], 2, LSSLEEP, &threads[4]);
	procs[0].p_lwp_tree.rbh_root = &lwps[0];
	procs[1].p_lwp_tree.rbh_root = &lwps[2];
	lwps[2].lwp_rbnode.rbe_left = &lwps[1];

	/* The message buffer, wrapped: its oldest text sits at the end of the area. */
	const char *text = "second line\nthird line\n";
	const char *old = "first line\n";
	mb.msg_magic = 0x063064;
	mb.msg_size = sizeof(msgdata);
	mb.msg_ptr = msgdata;
	unsigned start = sizeof(msgdata) - (unsigned)strlen(old);
	memcpy(msgdata + start, old, strlen(old));
	memcpy(msgdata, text, strlen(text));
	mb.msg_bufr = 1000 * sizeof(msgdata) + start;
	mb.msg_bufx = mb.msg_bufr + (unsigned)(strlen(old) + strlen(text));
	msgbufp = &mb;

	/* init's vmspace: three entries in the map's tree, and page tables for 0x400000
	 * in "physical" memory (offsets in phys[]) reached through the DMAP. */
	dmap_min_address = phys;
	entries[0].ba.start = 0x200000; entries[0].ba.end = 0x300000; entries[0].protection = 5; entries[0].maptype = 1;
	entries[1].ba.start = 0x400000; entries[1].ba.end = 0x500000; entries[1].protection = 3; entries[1].maptype = 1;
	entries[1].ba.object = &channel;
	entries[2].ba.start = 0x7ffffff00000UL; entries[2].ba.end = 0x800000000000UL; entries[2].protection = 3; entries[2].maptype = 1;
	entries[1].rb_entry.rbe_left = &entries[0];
	entries[1].rb_entry.rbe_right = &entries[2];
	vms.vm_map.rb_root.rbh_root = &entries[1];
	vms.vm_map.nentries = 3;
	vms.vm_map.size = 0x100000 * 2 + 0x100000;
	unsigned long va = 0x400000;
	/* pml4 at phys 0x1000, pdp 0x2000, pd 0x3000, pt 0x4000, the page at 0x5000 (V RW U A). */
	phys[0x1000 / 8 + ((va >> 39) & 511)] = 0x2000 | 7;
	phys[0x2000 / 8 + ((va >> 30) & 511)] = 0x3000 | 7;
	phys[0x3000 / 8 + ((va >> 21) & 511)] = 0x4000 | 7;
	phys[0x4000 / 8 + ((va >> 12) & 511)] = 0x5000 | 0x27;
	vms.vm_pmap.pm_pml4 = &phys[0x1000 / 8];
	procs[0].p_vmspace = &vms;

	/* This thread is CPU 1's vCPU: %gs at its privatespace. */
	struct tls_info ti = { &prv[1], sizeof(prv[1]) };
	set_tls_area(1, &ti, sizeof(ti));
	ready();
	printf("dfly_fake: done\n");
	return 0;
}
