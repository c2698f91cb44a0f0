/*
 * Shared helpers for tests that provoke synchronous faults. A probe runs one
 * faulting instruction whose address (fault_ip) and successor (resume_ip) are
 * published before it executes; the handler records what the kernel reported
 * and either resumes after the instruction (TRAP_SKIP) or fixes the cause with
 * mprotect and lets it re-execute (TRAP_FIX_RW).
 */
#ifndef VK_TRAPUTIL_H
#define VK_TRAPUTIL_H
#include <signal.h>
#include <ucontext.h>
#include <string.h>
#include <sys/mman.h>

enum { TRAP_SKIP = 0, TRAP_FIX_RW = 1 };

struct trap_rec {
	volatile int count;
	int sig;
	int code;
	int si_signo;
	void *si_addr;
	long trapno, err, mcaddr, rip, cs, ss, rsp, len;
};

static volatile struct trap_rec trap;
static void *volatile fault_ip, *volatile resume_ip;
static volatile int trap_mode;
static void *volatile fix_page;

static void trap_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	mcontext_t *mc = &uc->uc_mcontext;
	trap.count++;
	trap.sig = sig;
	trap.si_signo = si->si_signo;
	trap.code = si->si_code;
	trap.si_addr = si->si_addr;
	trap.trapno = mc->mc_trapno;
	trap.err = mc->mc_err;
	trap.mcaddr = mc->mc_addr;
	trap.rip = mc->mc_rip;
	trap.cs = mc->mc_cs;
	trap.ss = mc->mc_ss;
	trap.rsp = mc->mc_rsp;
	trap.len = mc->mc_len;
	if (trap_mode == TRAP_FIX_RW && fix_page) {
		mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);
		return;	/* re-execute the instruction */
	}
	mc->mc_rip = (long)resume_ip;
}

static void trap_install(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(sig, &sa, 0);
}

static void trap_reset(void)
{
	memset((void *)&trap, 0, sizeof(trap));
	trap_mode = TRAP_SKIP;
	fix_page = 0;
}

/* Publish labels 0 (fault) and 1 (resume) of the surrounding asm. */
#define TRAP_LABELS                                  \
	"lea 0f(%%rip), %%r11\n\t"                   \
	"mov %%r11, %[fip]\n\t"                      \
	"lea 1f(%%rip), %%r11\n\t"                   \
	"mov %%r11, %[rip_]\n\t"

#define TRAP_OUTS [fip] "=m"(fault_ip), [rip_] "=m"(resume_ip)

/* Read one byte; returns `dflt` if the load was skipped by the handler. */
static inline int probe_read(const volatile void *p, int dflt)
{
	long v = dflt;
	__asm__ volatile(TRAP_LABELS
	                 "0: movzbq (%[p]), %[v]\n\t"
	                 "1:\n\t"
	                 : TRAP_OUTS, [v] "+r"(v)
	                 : [p] "r"(p)
	                 : "r11", "memory");
	return (int)v;
}

/* Write one byte. */
static inline void probe_write(volatile void *p, int val)
{
	__asm__ volatile(TRAP_LABELS
	                 "0: movb %b[v], (%[p])\n\t"
	                 "1:\n\t"
	                 : TRAP_OUTS
	                 : [p] "r"(p), [v] "r"(val)
	                 : "r11", "memory");
}

#endif
