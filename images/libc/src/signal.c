/* vkemu guest libc: signal calls. The kernel supplies the return trampoline,
 * so the handler pointer is passed through unchanged. */
#include "internal.h"
#include <signal.h>
#include <sys/lwp.h>
#include <unistd.h>

_Static_assert(sizeof(struct sigaction) == 32, "struct sigaction size");
_Static_assert(__builtin_offsetof(struct sigaction, sa_flags) == 8, "sa_flags");
_Static_assert(__builtin_offsetof(struct sigaction, sa_mask) == 12, "sa_mask");
_Static_assert(sizeof(siginfo_t) == 80, "siginfo size");
_Static_assert(__builtin_offsetof(siginfo_t, si_addr) == 24, "si_addr");
_Static_assert(sizeof(stack_t) == 24, "stack_t size");

int sigaction(int sig, const struct sigaction *restrict act,
              struct sigaction *restrict oact)
{
	return (int)__vk_ret(__dfly_sc3(SYS_sigaction, sig, act, oact));
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict oset)
{
	return (int)__vk_ret(__dfly_sc3(SYS_sigprocmask, how, set, oset));
}

int sigsuspend(const sigset_t *mask)
{
	return (int)__vk_ret(__dfly_sc1(SYS_sigsuspend, mask));
}

int sigpending(sigset_t *set)
{
	return (int)__vk_ret(__dfly_sc1(SYS_sigpending, set));
}

int sigaltstack(const stack_t *restrict ss, stack_t *restrict oss)
{
	return (int)__vk_ret(__dfly_sc2(SYS_sigaltstack, ss, oss));
}

int kill(pid_t pid, int sig)
{
	return (int)__vk_ret(__dfly_sc2(SYS_kill, pid, sig));
}

int raise(int sig)
{
	return lwp_kill(-1, lwp_gettid(), sig);
}

sig_t signal(int sig, sig_t handler)
{
	struct sigaction sa = { 0 }, old;
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

static int bad_sig(int sig)
{
	if (sig <= 0 || sig > 128) {
		errno = EINVAL;
		return 1;
	}
	return 0;
}

int sigemptyset(sigset_t *set)
{
	for (int i = 0; i < 4; i++)
		set->__bits[i] = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	for (int i = 0; i < 4; i++)
		set->__bits[i] = 0xffffffffu;
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (bad_sig(sig))
		return -1;
	set->__bits[(sig - 1) >> 5] |= 1u << ((sig - 1) & 31);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (bad_sig(sig))
		return -1;
	set->__bits[(sig - 1) >> 5] &= ~(1u << ((sig - 1) & 31));
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (bad_sig(sig))
		return -1;
	return (set->__bits[(sig - 1) >> 5] >> ((sig - 1) & 31)) & 1;
}
