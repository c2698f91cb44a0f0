/*
 * vkmini, user processes: one host vmspace per process, mapped
 * MAP_VPAGETABLE over the memory image and governed by a page table the
 * kernel builds in that image; static ELF programs loaded from the root
 * file system on vkd0 (or from the host directory without one);
 * the vmspace_ctl(RUN) loop with its exits (system calls, page faults,
 * interruptions by signals) and a shared run queue for the vCPUs.
 * See vkernel-host-abi.md §2 and §3.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "kern.h"
#include "dev.h"
#include "vkmini.h"

#define L(x) ((long)(x))
#define STACK_MAX   (1UL << 20)
#define HEAP_MAX    (64UL << 20)
#define MMAP_BASE   0x100000000UL
#define round_page(x) (((x) + PAGE_MASK) & ~PAGE_MASK)
#define trunc_page(x) ((x) & ~PAGE_MASK)

/* ---------------------------------------------------------------- address spaces */

static long vmspace_mmap(void *id, int fd)
{
	/* seven arguments: the file offset goes on the stack at [rsp+8] */
	register long r10 __asm__("r10") = PROT_READ | PROT_WRITE | PROT_EXEC;
	register long r8 __asm__("r8") = MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED;
	register long r9 __asm__("r9") = fd;
	long ret;
	__asm__ volatile("subq $16, %%rsp\n\tmovq $0, 8(%%rsp)\n\tsyscall\n\tjnc 1f\n\tnegq %%rax\n1:\taddq $16, %%rsp"
	                 : "=a"(ret), "+r"(r10) : "a"(489L), "D"(id), "S"(0L), "d"(USRSTACK), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

static long vmspace_mcontrol(struct proc *p, unsigned long va, unsigned long len, int behav, unsigned long value)
{
	return __dfly_sc5(491, L(&p->p_pmap), L(va), L(len), behav, L(value));
}

/*
 * Enter the guest until its next exit. The guest's FPU state crosses the
 * call (ABI §2.4): it is loaded just before and saved just after, in FXSAVE
 * layout. Where the host's FXSAVE/FXRSTOR skip MXCSR and %%xmm (found at
 * boot), those are moved by hand as well.
 */
#define XMM_SAVE \
	"stmxcsr 24(%[f])\n\t" \
	"movdqa %%xmm0, 160(%[f])\n\t" \
	"movdqa %%xmm1, 176(%[f])\n\t" \
	"movdqa %%xmm2, 192(%[f])\n\t" \
	"movdqa %%xmm3, 208(%[f])\n\t" \
	"movdqa %%xmm4, 224(%[f])\n\t" \
	"movdqa %%xmm5, 240(%[f])\n\t" \
	"movdqa %%xmm6, 256(%[f])\n\t" \
	"movdqa %%xmm7, 272(%[f])\n\t" \
	"movdqa %%xmm8, 288(%[f])\n\t" \
	"movdqa %%xmm9, 304(%[f])\n\t" \
	"movdqa %%xmm10, 320(%[f])\n\t" \
	"movdqa %%xmm11, 336(%[f])\n\t" \
	"movdqa %%xmm12, 352(%[f])\n\t" \
	"movdqa %%xmm13, 368(%[f])\n\t" \
	"movdqa %%xmm14, 384(%[f])\n\t" \
	"movdqa %%xmm15, 400(%[f])\n\t"
#define XMM_LOAD \
	"ldmxcsr 24(%[f])\n\t" \
	"movdqa 160(%[f]), %%xmm0\n\t" \
	"movdqa 176(%[f]), %%xmm1\n\t" \
	"movdqa 192(%[f]), %%xmm2\n\t" \
	"movdqa 208(%[f]), %%xmm3\n\t" \
	"movdqa 224(%[f]), %%xmm4\n\t" \
	"movdqa 240(%[f]), %%xmm5\n\t" \
	"movdqa 256(%[f]), %%xmm6\n\t" \
	"movdqa 272(%[f]), %%xmm7\n\t" \
	"movdqa 288(%[f]), %%xmm8\n\t" \
	"movdqa 304(%[f]), %%xmm9\n\t" \
	"movdqa 320(%[f]), %%xmm10\n\t" \
	"movdqa 336(%[f]), %%xmm11\n\t" \
	"movdqa 352(%[f]), %%xmm12\n\t" \
	"movdqa 368(%[f]), %%xmm13\n\t" \
	"movdqa 384(%[f]), %%xmm14\n\t" \
	"movdqa 400(%[f]), %%xmm15\n\t"
#define XMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static long vmspace_run(struct proc *p)
{
	register long r10 __asm__("r10") = (long)&p->p_vext;
	long rax = 488, rdx = (long)&p->p_tf;
	unsigned char cf;
	if (!fxsave_broken)
		__asm__ volatile("fxrstor (%[f])\n\tsyscall\n\tfxsave (%[f])"
		                 : "+a"(rax), "+d"(rdx), "=@ccc"(cf), "+r"(r10)
		                 : "D"(&p->p_pmap), "S"(1L), [f] "r"(p->p_fpu)
		                 : "rcx", "r11", "r8", "r9", "memory", XMM_CLOBBERS);
	else
		__asm__ volatile("fxrstor (%[f])\n\t" XMM_LOAD "syscall\n\tfxsave (%[f])\n\t" XMM_SAVE
		                 : "+a"(rax), "+d"(rdx), "=@ccc"(cf), "+r"(r10)
		                 : "D"(&p->p_pmap), "S"(1L), [f] "r"(p->p_fpu)
		                 : "rcx", "r11", "r8", "r9", "memory", XMM_CLOBBERS);
	return cf ? -rax : rax;
}

static int vm_create(struct proc *p)
{
	p->p_root = page_alloc();
	if (!p->p_root)
		return -ENOMEM;
	long r = __dfly_sc3(486, L(&p->p_pmap), 0, 0);
	if (r == 0)
		r = vmspace_mmap(&p->p_pmap, memfd);
	if (r == 0)
		r = vmspace_mcontrol(p, 0, USRSTACK, MADV_NOSYNC, 0);
	if (r == 0)
		r = vmspace_mcontrol(p, 0, USRSTACK, MADV_SETMAP, p->p_root | VPTE_V | VPTE_RW | VPTE_U);
	if (r < 0)
		panic("cannot set up the vmspace of pid %d: error %ld", p->p_pid, -r);
	return 0;
}

static void pt_free(unsigned long pa, int level)
{
	unsigned long *t = phys(pa);
	for (int i = 0; level > 0 && i < (level == 4 ? 256 : 512); i++)
		if (t[i] & VPTE_V)
			pt_free(t[i] & VPTE_FRAME, level - 1);
	page_free(pa);
}

static void vm_destroy(struct proc *p)
{
	long r = __dfly_sc1(487, L(&p->p_pmap));
	if (r < 0)
		panic("vmspace_destroy of pid %d: error %ld", p->p_pid, -r);
	pt_free(p->p_root, 4);
	p->p_root = 0;
}

/* Map a fresh zeroed page at va (or widen the rights of the page there). */
static int umap(struct proc *p, unsigned long va, unsigned long bits)
{
	unsigned long *pte = pmap_pte(p->p_root, va, 1);
	if (!pte)
		return -ENOMEM;
	if (*pte & VPTE_V) {
		unsigned long old = *pte;
		*pte = (old | (bits & VPTE_RW)) & ~(VPTE_NX & ~bits);
		if (*pte != old)
			vmspace_mcontrol(p, va, PAGE_SIZE, MADV_INVAL, 0);
		return 0;
	}
	unsigned long pa = page_alloc();
	if (!pa)
		return -ENOMEM;
	*pte = pa | VPTE_V | VPTE_U | VPTE_A | bits;	/* a new mapping needs no invalidation */
	return 0;
}

/* Remove the pages of [sva, eva): clear each vpte, invalidate, then free the page. */
static void uunmap(struct proc *p, unsigned long sva, unsigned long eva)
{
	for (unsigned long va = sva; va < eva; va += PAGE_SIZE) {
		unsigned long *pte = pmap_pte(p->p_root, va, 0);
		if (!pte || !(*pte & VPTE_V))
			continue;
		unsigned long pa = *pte & VPTE_FRAME;
		*pte = 0;
		vmspace_mcontrol(p, va, PAGE_SIZE, MADV_INVAL, 0);
		page_free(pa);
	}
}

static int in_region(struct proc *p, unsigned long va)
{
	if (va >= USRSTACK - STACK_MAX && va < USRSTACK)
		return 1;
	if (va >= p->p_brkbase && va < round_page(p->p_brk))
		return 1;
	for (int i = 0; i < NREGION; i++)
		if (va >= p->p_regions[i].start && va < p->p_regions[i].end)
			return 1;
	return 0;
}

/* The kernel's (DMAP) address of user byte va, paging in demand-zero memory. */
static char *uptr(struct proc *p, unsigned long va, int write)
{
	if (va >= USRSTACK)
		return 0;
	unsigned long *pte = pmap_pte(p->p_root, va, 0);
	if (!pte || !(*pte & VPTE_V)) {
		if (!in_region(p, va) || umap(p, trunc_page(va), VPTE_RW | VPTE_NX) < 0)
			return 0;
		pte = pmap_pte(p->p_root, va, 0);
	}
	if (write && !(*pte & VPTE_RW))
		return 0;
	return (char *)phys(*pte & VPTE_FRAME) + (va & PAGE_MASK);
}

int copyio(struct proc *p, unsigned long uva, void *kbuf, unsigned long len, int out)
{
	char *k = kbuf;
	while (len > 0) {
		unsigned long n = PAGE_SIZE - (uva & PAGE_MASK);
		if (n > len)
			n = len;
		char *u = uptr(p, uva, out);
		if (!u)
			return -EFAULT;
		if (out)
			memcpy(u, k, n);
		else
			memcpy(k, u, n);
		uva += n;
		k += n;
		len -= n;
	}
	return 0;
}

int copyinstr(struct proc *p, unsigned long uva, char *k, unsigned long max)
{
	for (unsigned long i = 0; i < max; i++) {
		char *u = uptr(p, uva + i, 0);
		if (!u)
			return -EFAULT;
		if ((k[i] = *u) == 0)
			return (int)i;
	}
	return -ENAMETOOLONG;
}

/* ---------------------------------------------------------------- programs */

struct ehdr {
	unsigned char e_ident[16];
	unsigned short e_type, e_machine;
	unsigned e_version;
	unsigned long e_entry, e_phoff, e_shoff;
	unsigned e_flags;
	unsigned short e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct phdr {
	unsigned p_type, p_flags;
	unsigned long p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* A program file: on the root file system, or a host file when there is none. */
struct prog { int fd; struct kfile f; };

static int prog_open(const char *name, struct prog *pg)
{
	char path[256];
	if (rootfs >= 0) {
		ksnprintf(path, sizeof(path), "/%s/%s", strcmp(name, "init") == 0 ? "sbin" : "bin", name);
		pg->fd = -1;
		int r = fs_lookup(rootfs, path, &pg->f);
		return r < 0 ? r : pg->f.type != '-' ? -ENOEXEC : 0;
	}
	ksnprintf(path, sizeof(path), "%s/%s", progdir, name);
	pg->fd = open(path, O_RDONLY);
	return pg->fd < 0 ? -ENOENT : 0;
}

static long prog_read(struct prog *pg, void *dst, unsigned long n, unsigned long off)
{
	if (pg->fd >= 0)
		return pread(pg->fd, dst, n, (off_t)off);
	return fs_read(&pg->f, dst, off, n);
}

static void prog_close(struct prog *pg)
{
	if (pg->fd >= 0)
		close(pg->fd);
}

static int load_elf(struct proc *p, struct prog *pg, unsigned long *entry)
{
	struct ehdr eh;
	struct phdr ph[16];
	if (prog_read(pg, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, "\177ELF\2\1", 6) != 0 ||
	    eh.e_type != 2 || eh.e_machine != 62 || eh.e_phentsize != sizeof(ph[0]) || eh.e_phnum > 16)
		return -ENOEXEC;
	long want = (long)(eh.e_phnum * sizeof(ph[0]));
	if (prog_read(pg, ph, (size_t)want, eh.e_phoff) != want)
		return -ENOEXEC;
	unsigned long end = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		struct phdr *h = &ph[i];
		if (h->p_type != 1 /* PT_LOAD */ || h->p_memsz == 0)
			continue;
		if (h->p_vaddr < PAGE_SIZE || h->p_vaddr + h->p_memsz > MMAP_BASE || h->p_filesz > h->p_memsz)
			return -ENOEXEC;
		unsigned long bits = (h->p_flags & 2 ? VPTE_RW : 0) | (h->p_flags & 1 ? 0 : VPTE_NX);
		for (unsigned long va = trunc_page(h->p_vaddr); va < h->p_vaddr + h->p_memsz; va += PAGE_SIZE) {
			if (umap(p, va, bits) < 0)
				return -ENOMEM;
			/* the part of the file image that lands in this page, read straight into it */
			unsigned long lo = va > h->p_vaddr ? va : h->p_vaddr;
			unsigned long hi = va + PAGE_SIZE < h->p_vaddr + h->p_filesz ? va + PAGE_SIZE : h->p_vaddr + h->p_filesz;
			if (lo < hi) {
				char *dst = (char *)phys(*pmap_pte(p->p_root, va, 0) & VPTE_FRAME) + (lo - va);
				if (prog_read(pg, dst, hi - lo, h->p_offset + (lo - h->p_vaddr)) != (long)(hi - lo))
					return -ENOEXEC;
			}
		}
		if (h->p_vaddr + h->p_memsz > end)
			end = h->p_vaddr + h->p_memsz;
	}
	if (!end)
		return -ENOEXEC;
	p->p_brkbase = p->p_brk = round_page(end);
	*entry = eh.e_entry;
	return 0;
}

/* argc, argv[], NULL, envp NULL, an empty aux vector, then the strings (ABI §8.4 shape). */
static int setup_stack(struct proc *p, char **argv, int argc)
{
	unsigned long strsz = 0;
	for (int i = 0; i < argc; i++)
		strsz += strlen(argv[i]) + 1;
	unsigned long str = (USRSTACK - strsz) & ~15UL;
	unsigned long sp = (str - (unsigned long)(argc + 5) * 8) & ~15UL;
	unsigned long vec[24];
	vec[0] = (unsigned long)argc;
	for (int i = 0; i < argc; i++) {
		vec[1 + i] = str;
		if (copyout(p, argv[i], str, strlen(argv[i]) + 1) < 0)
			return -EFAULT;
		str += strlen(argv[i]) + 1;
	}
	vec[argc + 1] = 0;	/* end of argv */
	vec[argc + 2] = 0;	/* empty environment */
	vec[argc + 3] = 0;	/* AT_NULL */
	vec[argc + 4] = 0;
	if (copyout(p, vec, sp, (unsigned long)(argc + 5) * 8) < 0)
		return -EFAULT;
	p->p_tf.tf_rsp = sp;
	p->p_tf.tf_rdi = sp;
	return 0;
}

static struct proc *pfind(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (K->k_procs[i].p_state != P_FREE && K->k_procs[i].p_pid == pid)
			return &K->k_procs[i];
	return 0;
}

static void setrunnable(struct proc *p)
{
	p->p_state = P_RUNNABLE;
	p->p_wchan = 0;
	p->p_next = 0;
	if (K->k_runqtail)
		K->k_runqtail->p_next = p;
	else
		K->k_runq = p;
	K->k_runqtail = p;
	for (int i = 0; i < ncpus; i++)
		if (cpus[i]->gd_idle && cpus[i] != mycpu()) {
			cpu_kick(i);
			break;
		}
}

static struct proc *runq_take(void)
{
	struct proc *p = K->k_runq;
	if (p) {
		K->k_runq = p->p_next;
		if (!K->k_runq)
			K->k_runqtail = 0;
	}
	return p;
}

void wakeup(void *chan)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &K->k_procs[i];
		if (p->p_state == P_SLEEP && p->p_wchan == chan)
			setrunnable(p);
	}
}

/* Block in a system call: it is restarted from the top once the process is woken. */
int tsleep(struct proc *p, void *chan)
{
	p->p_state = P_SLEEP;
	p->p_wchan = chan;
	p->p_tf.tf_rip -= p->p_tf.tf_err;	/* back onto the syscall instruction */
	p->p_tf.tf_r10 = p->p_tf.tf_rcx;
	return SLEPT;
}

/* The same, and woken at the latest at deadline (ns, nanotime()); p_deadline stays set until the call ends. */
int tsleep_until(struct proc *p, void *chan, unsigned long deadline)
{
	p->p_deadline = deadline;
	return tsleep(p, chan);
}

/* From CPU 0's tick: wake the timed sleepers whose time has come (the clock is read only if there are any). */
void wake_deadlines(void)
{
	unsigned long now = 0;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &K->k_procs[i];
		if (p->p_state != P_SLEEP || !p->p_deadline || !p->p_wchan)
			continue;
		if (!now)
			now = nanotime();
		if (now >= p->p_deadline)
			setrunnable(p);
	}
}

int proc_spawn(struct proc *parent, const char *name, char **argv, int argc)
{
	int n = 0;
	while (name[n] && (name[n] == '-' || name[n] == '_' || (name[n] >= '0' && name[n] <= '9') ||
	                   (name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z')))
		n++;
	if (n == 0 || name[n] || n >= 16)
		return -ENOENT;
	/* find the program first: on a disk that waits for I/O, and the lock is let go meanwhile */
	struct prog fd;
	int r = prog_open(name, &fd);
	if (r < 0)
		return r;
	struct proc *p = 0;
	for (int i = 0; i < NPROC && !p; i++)
		if (K->k_procs[i].p_state == P_FREE)
			p = &K->k_procs[i];
	if (!p) {
		prog_close(&fd);
		return -EAGAIN;
	}
	memset(p, 0, sizeof(*p));
	p->p_pid = K->k_nextpid++;
	p->p_ppid = parent ? parent->p_pid : 0;
	p->p_state = P_NEW;			/* not free, not yet runnable, not to be signalled */
	strlcpy(p->p_comm, name, sizeof(p->p_comm));
	if (vm_create(p) < 0) {
		prog_close(&fd);
		p->p_state = P_FREE;
		return -ENOMEM;
	}
	unsigned long entry;
	r = load_elf(p, &fd, &entry);
	prog_close(&fd);
	if (r == 0)
		r = setup_stack(p, argv, argc);
	if (r < 0) {
		vm_destroy(p);
		p->p_state = P_FREE;
		return r;
	}
	p->p_mmapnext = MMAP_BASE;
	p->p_tf.tf_rip = entry;
	p->p_tf.tf_rflags = 0x202;
	p->p_tf.tf_cs = 0x2b;
	p->p_tf.tf_ss = 0x23;
	memcpy(p->p_fpu, fpu_initial, sizeof(p->p_fpu));
	setrunnable(p);
	return p->p_pid;
}

static void proc_exit(struct proc *p, int xstat)
{
	vm_destroy(p);
	p->p_xstat = xstat;
	p->p_state = P_ZOMBIE;
	if (p->p_pid == 1) {
		kprintf("init exited with status %d\n", xstat >> 8);
		shutdown_halt();
	}
	struct proc *init = pfind(1);
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &K->k_procs[i];
		if (c->p_state != P_FREE && c->p_ppid == p->p_pid) {
			c->p_ppid = 1;
			if (c->p_state == P_ZOMBIE && init)
				wakeup(init);
		}
	}
	struct proc *pp = pfind(p->p_ppid);
	if (pp)
		wakeup(pp);
	else
		p->p_state = P_FREE;
}

static int psignal(struct proc *p, int sig)
{
	if (p->p_state == P_ZOMBIE || p->p_state == P_NEW)
		return -ESRCH;
	if (sig < 0 || sig > 127)
		return -EINVAL;
	if (p->p_pid == 1)
		return -EPERM;
	if (sig == 0)
		return 0;			/* it exists */
	p->p_killed = sig;
	if (p->p_state == P_RUNNING) {
		if (cpus[p->p_cpu] != mycpu())
			cpu_kick(p->p_cpu);	/* an IPI interrupts its guest; that vCPU ends it */
		return 0;
	}
	if (p->p_state == P_RUNNABLE) {		/* off the run queue */
		struct proc **pp = &K->k_runq, *prev = 0;
		while (*pp != p)
			prev = *pp, pp = &(*pp)->p_next;
		*pp = p->p_next;
		if (K->k_runqtail == p)
			K->k_runqtail = prev;
	}
	proc_exit(p, sig);			/* not on any CPU: it can go now */
	return 0;
}

/* ^C on the console: interrupt the program init is waiting for. */
void cons_interrupt_fg(void)
{
	struct proc *init = pfind(1);
	struct proc *fg = init && init->p_state == P_SLEEP && init->p_waitfor > 0 ? pfind(init->p_waitfor) : 0;
	if (fg)
		psignal(fg, SIGINT);
}

static const char *statename(struct proc *p)
{
	switch (p->p_state) {
	case P_RUNNING: return "run";
	case P_RUNNABLE: return "runq";
	case P_SLEEP: return p->p_wchan == &K->k_inq ? "ttyin" : "wait";
	case P_ZOMBIE: return "zomb";
	case P_NEW: return "new";
	default: return "?";
	}
}

int ps_text(char *buf, unsigned long len)
{
	int o = ksnprintf(buf, len, "  PID  PPID CPU STAT    TIME COMMAND\n");
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &K->k_procs[i];
		if (p->p_state == P_FREE || (unsigned long)o + 1 >= len)
			continue;
		o += ksnprintf(buf + o, len - (unsigned long)o, "%5d %5d %3d %-5s %3lu.%02lu %s\n", p->p_pid,
		               p->p_ppid, p->p_cpu, statename(p), p->p_ticks / (unsigned long)hz,
		               p->p_ticks % (unsigned long)hz * 100 / (unsigned long)hz, p->p_comm);
	}
	return o;
}

/* ---------------------------------------------------------------- system calls */

static long sys_read(struct proc *p, long fd, unsigned long ubuf, unsigned long len)
{
	if (fd != 0)
		return -EBADF;
	if (K->k_inhead == K->k_intail)
		return K->k_ineof ? 0 : tsleep(p, &K->k_inq);
	char line[256];
	unsigned long n = 0;
	while (n < len && n < sizeof(line) && K->k_inhead != K->k_intail) {
		char c = K->k_inq[K->k_inhead];
		K->k_inhead = (K->k_inhead + 1) % (int)sizeof(K->k_inq);
		line[n++] = c;
		if (c == '\n')
			break;
	}
	return copyout(p, line, ubuf, n) < 0 ? -EFAULT : (long)n;
}

static long sys_write(struct proc *p, long fd, unsigned long ubuf, unsigned long len)
{
	char buf[256];
	if (fd != 1 && fd != 2)
		return -EBADF;
	for (unsigned long done = 0; done < len;) {
		unsigned long n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (copyin(p, ubuf + done, buf, n) < 0)
			return done ? (long)done : -EFAULT;
		cons_write(buf, n);
		done += n;
	}
	return (long)len;
}

static long sys_wait4(struct proc *p, int pid, unsigned long ustatus, int options)
{
	int children = 0;
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &K->k_procs[i];
		if (c->p_state == P_FREE || c->p_ppid != p->p_pid || (pid > 0 && c->p_pid != pid))
			continue;
		children++;
		if (c->p_state != P_ZOMBIE)
			continue;
		if (ustatus && copyout(p, &c->p_xstat, ustatus, sizeof(int)) < 0)
			return -EFAULT;
		c->p_state = P_FREE;
		p->p_waitfor = 0;
		return c->p_pid;
	}
	if (!children)
		return -ECHILD;
	if (options & WNOHANG)
		return 0;
	p->p_waitfor = pid;
	return tsleep(p, p);
}

static long sys_brk(struct proc *p, unsigned long addr)
{
	if (addr == 0)
		return (long)p->p_brk;
	if (addr < p->p_brkbase || addr > p->p_brkbase + HEAP_MAX)
		return -ENOMEM;
	if (round_page(addr) < round_page(p->p_brk))
		uunmap(p, round_page(addr), round_page(p->p_brk));
	p->p_brk = addr;
	return (long)addr;
}

static long sys_mmap(struct proc *p, unsigned long len, long flags, long fd)
{
	if (!(flags & MAP_ANON) || fd != -1 || len == 0 || len > HEAP_MAX)
		return -EINVAL;
	for (int i = 0; i < NREGION; i++) {
		struct region *r = &p->p_regions[i];
		if (r->end)
			continue;
		r->start = p->p_mmapnext;
		r->end = r->start + round_page(len);
		p->p_mmapnext = r->end + PAGE_SIZE;	/* leave a hole between regions */
		return (long)r->start;
	}
	return -ENOMEM;
}

static long sys_munmap(struct proc *p, unsigned long addr, unsigned long len)
{
	for (int i = 0; i < NREGION; i++) {
		struct region *r = &p->p_regions[i];
		if (r->end && r->start == addr && r->end == addr + round_page(len)) {
			uunmap(p, r->start, r->end);
			r->start = r->end = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static long sys_spawn(struct proc *p, unsigned long uname, unsigned long uargv)
{
	char name[16], strs[512], *argv[16];
	int argc = 0, used = 0;
	if (copyinstr(p, uname, name, sizeof(name)) < 0)
		return -ENOENT;
	for (; uargv && argc < 15; argc++) {
		unsigned long ua;
		if (copyin(p, uargv + (unsigned long)argc * 8, &ua, 8) < 0)
			return -EFAULT;
		if (!ua)
			break;
		int n = copyinstr(p, ua, strs + used, sizeof(strs) - (unsigned long)used);
		if (n < 0)
			return n;
		argv[argc] = strs + used;
		used += n + 1;
	}
	if (argc == 0)
		argv[argc++] = name;
	return proc_spawn(p, name, argv, argc);
}

static long sys_text(struct proc *p, long which, unsigned long uname, unsigned long ubuf, unsigned long len)
{
	char name[64], buf[2048];
	int n;
	if (which == VKSYS_ps)
		n = ps_text(buf, sizeof(buf));
	else {
		name[0] = 0;
		if (uname && copyinstr(p, uname, name, sizeof(name)) < 0)
			return -EFAULT;
		n = sysctl_text(name, buf, sizeof(buf));
		if (n < 0)
			return -ENOENT;
	}
	if ((unsigned long)n > len)
		n = (int)len;
	return copyout(p, buf, ubuf, (unsigned long)n) < 0 ? -EFAULT : n;
}

static void user_syscall(struct globaldata *gd, struct proc *p)
{
	struct trapframe *tf = &p->p_tf;
	unsigned long a0 = tf->tf_rdi, a1 = tf->tf_rsi, a2 = tf->tf_rdx, a3 = tf->tf_rcx, a4 = tf->tf_r8;
	long r;
	switch (tf->tf_rax) {
	case VKSYS_exit: proc_exit(p, (int)(a0 & 0xff) << 8); return;
	case VKSYS_read: r = sys_read(p, (long)a0, a1, a2); break;
	case VKSYS_write: r = sys_write(p, (long)a0, a1, a2); break;
	case VKSYS_wait4: r = sys_wait4(p, (int)a0, a1, (int)a2); break;
	case VKSYS_brk: r = sys_brk(p, a0); break;
	case VKSYS_getpid: r = p->p_pid; break;
	case VKSYS_kill: {
		struct proc *t = pfind((int)a0);
		r = t ? psignal(t, (int)a1) : -ESRCH;
		break;
	}
	case VKSYS_reboot:
		if (a0 & RB_HALT)
			shutdown_halt();
		shutdown_reboot();
	case VKSYS_mmap: r = sys_mmap(p, a1, (long)a3, (long)a4); break;
	case VKSYS_munmap: r = sys_munmap(p, a0, a1); break;
	case VKSYS_yield: gd->gd_resched = 1; r = 0; break;
	case VKSYS_spawn: r = sys_spawn(p, a0, a1); break;
	case VKSYS_ps: r = sys_text(p, VKSYS_ps, 0, a0, a1); break;
	case VKSYS_sysctl: r = sys_text(p, VKSYS_sysctl, a0, a1, a2); break;
	case VKSYS_clock_gettime: case VKSYS_nanosleep: case VKSYS_devinfo: case VKSYS_fsdir:
	case VKSYS_fsread: case VKSYS_diskio: case VKSYS_netctl: {
		unsigned long a[5] = { a0, a1, a2, a3, a4 };
		r = sys_device(p, (long)tf->tf_rax, a);
		break;
	}
	default: r = -ENOSYS; break;
	}
	if (r == SLEPT)
		return;
	if (r < 0) {
		tf->tf_rax = (unsigned long)-r;
		tf->tf_rflags |= PSL_C;
	} else {
		tf->tf_rax = (unsigned long)r;
		tf->tf_rflags &= ~(unsigned long)PSL_C;
	}
}

static void trap(struct proc *p)
{
	struct trapframe *tf = &p->p_tf;
	int sig = SIGSEGV;
	if (tf->tf_trapno == T_PAGEFLT) {
		/* Like a real vkernel, judge by our own page table, using tf_addr and not PGEX_P. */
		unsigned long *pte = pmap_pte(p->p_root, tf->tf_addr, 0);
		if ((!pte || !(*pte & VPTE_V)) && in_region(p, tf->tf_addr) &&
		    umap(p, trunc_page(tf->tf_addr), VPTE_RW | VPTE_NX) == 0)
			return;			/* demand-zero page: resume the guest */
		kprintf("pid %d (%s): segmentation fault at 0x%lx\n", p->p_pid, p->p_comm, tf->tf_addr);
	} else {
		const char *what = "trap";
		switch (tf->tf_trapno) {
		case T_PRIVINFLT: what = "illegal instruction"; sig = SIGILL; break;
		case T_PROTFLT: what = "protection fault"; sig = SIGBUS; break;
		case T_DIVIDE: what = "divide error"; sig = SIGFPE; break;
		}
		kprintf("pid %d (%s): %s (trap %lu) at rip 0x%lx\n", p->p_pid, p->p_comm, what,
		        tf->tf_trapno, tf->tf_rip);
	}
	proc_exit(p, sig);
}

/* ---------------------------------------------------------------- the vCPU loop */

static void run_proc(struct globaldata *gd, struct proc *p)
{
	p->p_state = P_RUNNING;
	p->p_cpu = gd->gd_cpuid;
	gd->gd_curproc = p;
	gd->gd_slice_start = gd->gd_ticks;
	gd->gd_resched = 0;
	for (;;) {
		if (p->p_killed) {
			proc_exit(p, p->p_killed);
			break;
		}
		kunlock();
		long r = vmspace_run(p);
		klock();
		if (r == -EINTR)
			p->p_tf.tf_trapno = 0;
		else if (r < 0)
			panic("vmspace_ctl failed error %ld", -r);
		if (p->p_tf.tf_trapno == T_FAST_SYSCALL)
			user_syscall(gd, p);
		else if (p->p_tf.tf_trapno != 0)	/* 0: a signal (tick, IPI, input) interrupted it */
			trap(p);
		intr_process(gd);
		if (p->p_state != P_RUNNING)
			break;			/* asleep or gone */
		if (gd->gd_resched) {
			gd->gd_resched = 0;
			gd->gd_slice_start = gd->gd_ticks;
			if (K->k_runq) {	/* preempt: others are waiting */
				setrunnable(p);
				break;
			}
		}
	}
	gd->gd_curproc = 0;
}

/* A vCPU's life after boot; entered with the kernel lock held. */
void cpu_run(struct globaldata *gd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, 0);
	for (;;) {
		intr_process(gd);
		struct proc *p = runq_take();
		if (p) {
			run_proc(gd, p);
			continue;
		}
		gd->gd_idle = 1;
		kunlock();
		__dfly_sc3(SYS_umtx_sleep, L(&gd->gd_reqflags), 0, 1000000);
		klock();
		gd->gd_idle = 0;
	}
}
