/* vkemu guest libc: signals with DragonFly numbers and layouts (ABI notes 4.1-4.3). */
#ifndef _VK_SIGNAL_H
#define _VK_SIGNAL_H
#include <sys/types.h>

#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGIOT     SIGABRT
#define SIGEMT     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGBUS    10
#define SIGSEGV   11
#define SIGSYS    12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGURG    16
#define SIGSTOP   17
#define SIGTSTP   18
#define SIGCONT   19
#define SIGCHLD   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGIO     23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGINFO   29
#define SIGUSR1   30
#define SIGUSR2   31
#define SIGTHR    32
#define NSIG      64

typedef void (*sig_t)(int);
typedef void (*sighandler_t)(int);
#define SIG_DFL ((sig_t)0)
#define SIG_IGN ((sig_t)1)
#define SIG_ERR ((sig_t)-1)

typedef struct {
	uint32_t __bits[4];
} sigset_t;

union sigval {
	int sival_int;
	void *sival_ptr;
};

typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	int si_pid;
	uint32_t si_uid;
	int si_status;
	void *si_addr;
	union sigval si_value;
	long si_band;
	int __spare__[7];
} siginfo_t;

struct sigaction {
	union {
		void (*__sa_handler)(int);
		void (*__sa_sigaction)(int, siginfo_t *, void *);
	} __sigaction_u;
	int sa_flags;
	sigset_t sa_mask;
};
#define sa_handler __sigaction_u.__sa_handler
#define sa_sigaction __sigaction_u.__sa_sigaction

#define SA_ONSTACK   0x0001
#define SA_RESTART   0x0002
#define SA_RESETHAND 0x0004
#define SA_NOCLDSTOP 0x0008
#define SA_NODEFER   0x0010
#define SA_NOCLDWAIT 0x0020
#define SA_SIGINFO   0x0040

#define SIG_BLOCK   1
#define SIG_UNBLOCK 2
#define SIG_SETMASK 3

typedef struct sigaltstack {
	void *ss_sp;
	size_t ss_size;
	int ss_flags;
} stack_t;

#define SS_ONSTACK  0x0001
#define SS_DISABLE  0x0004
#define MINSIGSTKSZ 8192
#define SIGSTKSZ    40960

/* si_code values */
#define SI_USER      0
#define SI_QUEUE    -1
#define SI_TIMER    -2
#define SI_ASYNCIO  -3
#define SI_MESGQ    -4
#define ILL_ILLOPC   1
#define ILL_PRVOPC   5
#define ILL_COPROC   7
#define FPE_INTOVF   1
#define FPE_INTDIV   2
#define SEGV_MAPERR  1
#define SEGV_ACCERR  2
#define BUS_ADRALN   1
#define BUS_ADRERR   2
#define BUS_OBJERR   3
#define TRAP_BRKPT   1
#define TRAP_TRACE   2

int sigaction(int sig, const struct sigaction *restrict act,
              struct sigaction *restrict oact);
int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict oset);
int sigsuspend(const sigset_t *mask);
int sigpending(sigset_t *set);
int sigaltstack(const stack_t *restrict ss, stack_t *restrict oss);
int kill(pid_t pid, int sig);
int raise(int sig);
sig_t signal(int sig, sig_t handler);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);
/* DragonFly: send a signal to one thread; pid -1 = this process. */
int lwp_kill(pid_t pid, lwpid_t tid, int sig);

#endif
