/* vkemu guest libc: DragonFly x86-64 ucontext/mcontext (ABI notes 4.4). */
#ifndef _VK_UCONTEXT_H
#define _VK_UCONTEXT_H
#include <sys/types.h>
#include <signal.h>

typedef struct __mcontext {
	long mc_onstack;	/*   0 */
	long mc_rdi;		/*   8 */
	long mc_rsi;
	long mc_rdx;
	long mc_rcx;
	long mc_r8;
	long mc_r9;
	long mc_rax;		/*  56 */
	long mc_rbx;
	long mc_rbp;
	long mc_r10;
	long mc_r11;
	long mc_r12;
	long mc_r13;
	long mc_r14;
	long mc_r15;
	long mc_xflags;		/* 128 */
	long mc_trapno;		/* 136 */
	long mc_addr;		/* 144 */
	long mc_flags;		/* 152 */
	long mc_err;		/* 160 */
	long mc_rip;		/* 168 */
	long mc_cs;
	long mc_rflags;
	long mc_rsp;		/* 192 */
	long mc_ss;		/* 200 */
	unsigned int mc_len;	/* 208 */
	unsigned int mc_fpformat;
	unsigned int mc_ownedfp;
	unsigned int mc_reserved;
	unsigned int mc_unused[8];
	int mc_fpregs[256] __attribute__((aligned(64)));	/* 256 */
} __attribute__((aligned(64))) mcontext_t;

typedef struct __ucontext {
	sigset_t uc_sigmask;		/*    0 */
	int __pad[12];			/*   16 */
	mcontext_t uc_mcontext;		/*   64 */
	struct __ucontext *uc_link;	/* 1344 */
	stack_t uc_stack;		/* 1352 */
	void (*uc_cofunc)(struct __ucontext *, void *);	/* 1376 */
	void *uc_arg;			/* 1384 */
	int __spare__[4];		/* 1392 */
} ucontext_t;

_Static_assert(sizeof(mcontext_t) == 1280, "mcontext size");
_Static_assert(sizeof(ucontext_t) == 1408, "ucontext size");
_Static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.mc_rip) == 64 + 168, "mc_rip");
_Static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.mc_trapno) == 64 + 136, "mc_trapno");
_Static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.mc_addr) == 64 + 144, "mc_addr");
_Static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.mc_err) == 64 + 160, "mc_err");
_Static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.mc_len) == 64 + 208, "mc_len");
_Static_assert(__builtin_offsetof(ucontext_t, uc_link) == 1344, "uc_link");
_Static_assert(__builtin_offsetof(ucontext_t, uc_stack) == 1352, "uc_stack");

/* DragonFly trap numbers reported in mc_trapno (not x86 vectors). */
#define T_PRIVINFLT 1
#define T_BPTFLT    3
#define T_ARITHTRAP 6
#define T_PROTFLT   9
#define T_TRCTRAP  10
#define T_PAGEFLT  12
#define T_ALIGNFLT 14
#define T_DIVIDE   18
#define T_OFLOW    20
#define T_BOUND    21
#define T_DNA      22
#define T_XMMFLT   29
#define T_FAST_SYSCALL 0x81

/* Page-fault error-code bits in mc_err. */
#define PGEX_P 0x01
#define PGEX_W 0x02
#define PGEX_U 0x04
#define PGEX_I 0x10

#endif
