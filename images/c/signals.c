/*
 * Signal delivery with DragonFly numbers, structures and frames: SA_SIGINFO
 * handlers, synchronous delivery by kill(getpid()), masks, pending signals,
 * SA_RESETHAND, SA_NODEFER, sigsuspend, registers changed through the
 * mcontext, nesting, sigaltstack/SA_ONSTACK, SIG_IGN, and hardware traps
 * (divide error, ud2, int3) with their DragonFly trap numbers.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/lwp.h>
#include <vktest.h>
#include "traputil.h"

static volatile int hits, last_sig, last_signo, last_code, last_pid;
static volatile long last_uc_ok, last_mc_cs, last_mc_len, last_mc_rsp;
static volatile int in_mask_self, usr2_blocked;
static volatile uint32_t uc_mask_word0;
static volatile long handler_sp;

static int install(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, 0);
}

static int blocked_now(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	return sigismember(&cur, sig);
}

static void info_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int local;
	hits++;
	last_sig = sig;
	last_signo = si ? si->si_signo : -1;
	last_code = si ? si->si_code : -1;
	last_pid = si ? si->si_pid : -1;
	last_uc_ok = uc != 0;
	if (uc) {
		last_mc_cs = uc->uc_mcontext.mc_cs;
		last_mc_len = uc->uc_mcontext.mc_len;
		last_mc_rsp = uc->uc_mcontext.mc_rsp;
		uc_mask_word0 = uc->uc_sigmask.__bits[0];
	}
	in_mask_self = blocked_now(sig);
	usr2_blocked = blocked_now(SIGUSR2);
	handler_sp = (long)&local;
}

static void test_basic(void)
{
	CHECK_EQ(install(SIGUSR1, info_handler, 0), 0, "sigaction SIGUSR1 (30) with SA_SIGINFO");
	struct sigaction old;
	CHECK_EQ(sigaction(SIGUSR1, 0, &old), 0, "query the installed action");
	CHECK(old.sa_sigaction == info_handler && (old.sa_flags & SA_SIGINFO),
	      "query returns handler and SA_SIGINFO (flags 0x%x)", old.sa_flags);

	hits = 0;
	long sp_before = (long)&old;
	CHECK_EQ(kill(getpid(), SIGUSR1), 0, "kill(getpid(), SIGUSR1)");
	CHECK_EQ(hits, 1, "handler ran before kill returned");
	CHECK_EQ(last_sig, 30, "handler got signal number 30");
	CHECK_EQ(last_signo, 30, "si_signo = 30");
	CHECK_EQ(last_code, SI_USER, "si_code = SI_USER (0) for kill");
	CHECK_EQ(last_pid, getpid(), "si_pid = sender pid");
	CHECK(last_uc_ok, "handler got a ucontext pointer");
	CHECK_EQ(last_mc_cs, 0x2B, "mc_cs = 0x2B (DragonFly user code selector)");
	CHECK_EQ(last_mc_len, 1280, "mc_len = 1280");
	CHECK(last_mc_rsp != 0 && last_mc_rsp <= sp_before + 4096 && last_mc_rsp > sp_before - 65536,
	      "mc_rsp is the interrupted stack pointer (0x%lx)", (long)last_mc_rsp);
	CHECK(handler_sp < last_mc_rsp - 128, "handler stack is below the interrupted rsp and red zone");
	CHECK(in_mask_self, "the signal is blocked while its handler runs");
	CHECK(!(uc_mask_word0 & (1u << 29)), "uc_sigmask holds the pre-delivery mask (SIGUSR1 clear)");
	CHECK(!blocked_now(SIGUSR1), "mask restored after sigreturn");

	/* raise == lwp_kill to the calling thread */
	hits = 0;
	CHECK_EQ(raise(SIGUSR1), 0, "raise(SIGUSR1) via lwp_kill(-1, self)");
	CHECK_EQ(hits, 1, "handler ran before raise returned");

	CHECK_ERRNO(kill(getpid(), 200), EINVAL, "kill with signal 200 -> EINVAL (22)");
	CHECK_ERRNO(sigaction(SIGKILL, &old, 0), EINVAL, "sigaction(SIGKILL) -> EINVAL");
	CHECK_EQ(kill(getpid(), 0), 0, "kill(pid, 0) is an existence check");
	CHECK_ERRNO(kill(999999, SIGUSR1), ESRCH, "kill of a missing pid -> ESRCH (3)");
}

static void test_mask_pending(void)
{
	install(SIGUSR1, info_handler, 0);
	sigset_t set, old, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, &old), 0, "block SIGUSR1");
	CHECK(!sigismember(&old, SIGUSR1), "old mask did not have it");
	hits = 0;
	kill(getpid(), SIGUSR1);
	CHECK_EQ(hits, 0, "blocked signal not delivered");
	CHECK_EQ(sigpending(&pend), 0, "sigpending");
	CHECK(sigismember(&pend, SIGUSR1), "SIGUSR1 is pending (bit 29 of word 0: 0x%x)",
	      pend.__bits[0]);
	kill(getpid(), SIGUSR1);	/* not queued twice */
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, 0), 0, "unblock SIGUSR1");
	CHECK_EQ(hits, 1, "pending signal delivered once on unblock");
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "nothing pending afterwards");

	/* SIGKILL/SIGSTOP cannot be blocked */
	sigset_t all, cur;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	sigprocmask(SIG_SETMASK, &old, &cur);
	CHECK(!sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP),
	      "SIGKILL and SIGSTOP are never in the mask");
	CHECK(sigismember(&cur, SIGUSR2) && sigismember(&cur, 64),
	      "other signals were blocked by SIG_SETMASK full");
	CHECK_ERRNO(sigprocmask(99, &set, 0), EINVAL, "sigprocmask with bad how -> EINVAL");
}

static void test_flags(void)
{
	/* SA_RESETHAND */
	install(SIGUSR2, info_handler, SA_RESETHAND);
	hits = 0;
	kill(getpid(), SIGUSR2);
	CHECK_EQ(hits, 1, "SA_RESETHAND handler ran");
	struct sigaction cur;
	sigaction(SIGUSR2, 0, &cur);
	CHECK(cur.sa_handler == SIG_DFL, "SA_RESETHAND reset the action to SIG_DFL");

	/* SA_NODEFER */
	install(SIGUSR1, info_handler, SA_NODEFER);
	kill(getpid(), SIGUSR1);
	CHECK(!in_mask_self, "with SA_NODEFER the signal is not blocked in its handler");
	install(SIGUSR1, info_handler, 0);
	kill(getpid(), SIGUSR1);
	CHECK(in_mask_self, "without SA_NODEFER it is");

	/* sa_mask applies during the handler */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, 0);
	usr2_blocked = 0;
	kill(getpid(), SIGUSR1);
	CHECK(usr2_blocked, "sa_mask (SIGUSR2) is blocked while the handler runs");
	CHECK(!blocked_now(SIGUSR2), "sa_mask is lifted after the handler");

	/* SIG_IGN */
	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	CHECK_EQ(sigaction(SIGUSR2, &ign, 0), 0, "SIGUSR2 -> SIG_IGN");
	CHECK_EQ(kill(getpid(), SIGUSR2), 0, "kill with an ignored signal");
	sigset_t pend;
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR2), "ignored signal is discarded, process survives");
}

/* sigsuspend */
static void test_sigsuspend(void)
{
	install(SIGUSR1, info_handler, 0);
	sigset_t set, empty, after;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, 0);
	kill(getpid(), SIGUSR1);
	hits = 0;
	sigemptyset(&empty);
	errno = 0;
	int r = sigsuspend(&empty);
	CHECK(r == -1 && errno == EINTR, "sigsuspend returns -1/EINTR (4) (got %d/%d)", r, errno);
	CHECK_EQ(hits, 1, "handler ran inside sigsuspend");
	CHECK(uc_mask_word0 & (1u << 29), "handler's uc_sigmask is the pre-sigsuspend mask");
	sigprocmask(SIG_BLOCK, 0, &after);
	CHECK(sigismember(&after, SIGUSR1), "sigsuspend restored the previous mask");
	sigprocmask(SIG_UNBLOCK, &set, 0);
}

/* nested delivery: SIGUSR1's handler sends SIGUSR2, whose handler runs inside */
static volatile int depth, max_depth, order[4], norder;

static void nest2(int sig, siginfo_t *si, void *ctx)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	order[norder++] = sig;
	depth--;
}

static void nest1(int sig, siginfo_t *si, void *ctx)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	order[norder++] = sig;
	kill(getpid(), SIGUSR2);
	order[norder++] = -sig;
	depth--;
}

static void test_nested(void)
{
	install(SIGUSR1, nest1, 0);
	install(SIGUSR2, nest2, 0);
	depth = max_depth = norder = 0;
	kill(getpid(), SIGUSR1);
	CHECK_EQ(max_depth, 2, "a second handler ran nested inside the first");
	CHECK(norder == 3 && order[0] == SIGUSR1 && order[1] == SIGUSR2 && order[2] == -SIGUSR1,
	      "order: enter USR1, USR2, leave USR1");
}

/* the handler edits registers in the mcontext; sigreturn must load them */
static void regs_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uc->uc_mcontext.mc_rax = 0x1122334455667788L;
	uc->uc_mcontext.mc_rbx = 0x0badcafe;
	uc->uc_mcontext.mc_r12 = -5;
	uc->uc_mcontext.mc_rip += 2;	/* skip ud2 */
}

static void test_mcontext_regs(void)
{
	install(SIGILL, regs_handler, 0);
	long rax, rbx, r12;
	__asm__ volatile("mov $1, %%rax\n\t"
	                 "mov $2, %%rbx\n\t"
	                 "mov $3, %%r12\n\t"
	                 "ud2\n\t"
	                 "mov %%rax, %0\n\t"
	                 "mov %%rbx, %1\n\t"
	                 "mov %%r12, %2\n\t"
	                 : "=m"(rax), "=m"(rbx), "=m"(r12)
	                 :
	                 : "rax", "rbx", "r12", "memory");
	CHECK_EQ(rax, 0x1122334455667788L, "mc_rax written by the handler is live after sigreturn");
	CHECK_EQ(rbx, 0x0badcafe, "mc_rbx too");
	CHECK_EQ(r12, -5, "mc_r12 too");
}

/* sigaltstack */
static char *alt_base;
static volatile long alt_sp;
static volatile int alt_flags, alt_onstack;

static void alt_handler(int sig, siginfo_t *si, void *ctx)
{
	int local;
	stack_t cur;
	alt_sp = (long)&local;
	sigaltstack(0, &cur);
	alt_flags = cur.ss_flags;
	alt_onstack = (int)((ucontext_t *)ctx)->uc_mcontext.mc_onstack;
}

static void test_altstack(void)
{
	size_t sz = 64 * 1024;
	alt_base = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	stack_t ss = { alt_base, sz, 0 }, old;
	CHECK_EQ(sigaltstack(&ss, &old), 0, "sigaltstack install");
	CHECK(old.ss_flags & SS_DISABLE, "no alternate stack before (flags %d)", old.ss_flags);
	install(SIGUSR1, alt_handler, SA_ONSTACK);
	alt_sp = 0;
	kill(getpid(), SIGUSR1);
	CHECK(alt_sp > (long)alt_base && alt_sp < (long)alt_base + (long)sz,
	      "SA_ONSTACK handler ran on the alternate stack (sp 0x%lx)", (long)alt_sp);
	CHECK(alt_flags & SS_ONSTACK, "sigaltstack reports SS_ONSTACK inside the handler");
	CHECK_EQ(alt_onstack & 1, 0, "mc_onstack: was not on the alt stack when interrupted");
	stack_t now;
	sigaltstack(0, &now);
	CHECK(!(now.ss_flags & SS_ONSTACK), "SS_ONSTACK cleared after return");
	install(SIGUSR1, alt_handler, 0);
	kill(getpid(), SIGUSR1);
	CHECK(!(alt_sp > (long)alt_base && alt_sp < (long)alt_base + (long)sz),
	      "without SA_ONSTACK the normal stack is used");
	stack_t small = { alt_base, 1024, 0 };
	CHECK_ERRNO(sigaltstack(&small, 0), ENOMEM, "sigaltstack smaller than MINSIGSTKSZ -> ENOMEM");
	stack_t dis = { 0, 0, SS_DISABLE };
	CHECK_EQ(sigaltstack(&dis, 0), 0, "disable the alternate stack");
	munmap(alt_base, sz);
}

/* hardware traps */
static void test_traps(void)
{
	trap_install(SIGFPE);
	trap_install(SIGILL);
	trap_install(SIGTRAP);

	trap_reset();
	int q = 0;
	__asm__ volatile(TRAP_LABELS
	                 "xor %%edx, %%edx\n\t"
	                 "mov $7, %%eax\n\t"
	                 "xor %%ecx, %%ecx\n\t"
	                 "0: divl %%ecx\n\t"
	                 "1: mov %%eax, %[q]\n\t"
	                 : TRAP_OUTS, [q] "=m"(q)
	                 :
	                 : "rax", "rcx", "rdx", "r11", "memory");
	CHECK_EQ(trap.count, 1, "integer divide by zero raises a signal");
	CHECK_EQ(trap.sig, SIGFPE, "signal is SIGFPE (8)");
	CHECK_EQ(trap.code, FPE_INTDIV, "si_code = FPE_INTDIV (2)");
	CHECK_EQ(trap.trapno, T_DIVIDE, "mc_trapno = T_DIVIDE (18)");
	CHECK_EQ(trap.rip, (long)fault_ip, "mc_rip = the div instruction");

	trap_reset();
	__asm__ volatile(TRAP_LABELS "0: ud2\n\t" "1:\n\t" : TRAP_OUTS : : "r11", "memory");
	CHECK_EQ(trap.count, 1, "ud2 raises a signal");
	CHECK_EQ(trap.sig, SIGILL, "signal is SIGILL (4)");
	CHECK_EQ(trap.code, ILL_PRVOPC, "si_code = ILL_PRVOPC (5)");
	CHECK_EQ(trap.trapno, T_PRIVINFLT, "mc_trapno = T_PRIVINFLT (1)");
	CHECK_EQ(trap.rip, (long)fault_ip, "mc_rip = the ud2 instruction");

	trap_reset();
	__asm__ volatile(TRAP_LABELS "0: int3\n\t" "1:\n\t" : TRAP_OUTS : : "r11", "memory");
	CHECK_EQ(trap.count, 1, "int3 raises a signal");
	CHECK_EQ(trap.sig, SIGTRAP, "signal is SIGTRAP (5)");
	CHECK_EQ(trap.code, TRAP_BRKPT, "si_code = TRAP_BRKPT (1)");
	CHECK_EQ(trap.trapno, T_BPTFLT, "mc_trapno = T_BPTFLT (3)");
	CHECK_EQ(trap.rip, (long)resume_ip, "mc_rip points after int3");

	/* a privileged instruction: #GP -> SIGBUS with T_PROTFLT */
	trap_install(SIGBUS);
	trap_install(SIGSEGV);
	trap_reset();
	__asm__ volatile(TRAP_LABELS "0: hlt\n\t" "1:\n\t" : TRAP_OUTS : : "r11", "memory");
	CHECK_EQ(trap.count, 1, "hlt in user mode raises a signal");
	CHECK_EQ(trap.sig, SIGBUS, "signal is SIGBUS (10) for a #GP");
	CHECK_EQ(trap.trapno, T_PROTFLT, "mc_trapno = T_PROTFLT (9)");
	CHECK_EQ(trap.rip, (long)fault_ip, "mc_rip = the hlt instruction");
}

int main(void)
{
	test_basic();
	test_mask_pending();
	test_flags();
	test_sigsuspend();
	test_nested();
	test_mcontext_regs();
	test_altstack();
	test_traps();
	return vkt_done();
}
