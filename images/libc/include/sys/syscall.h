/* vkemu guest libc: DragonFly BSD x86-64 system-call numbers and raw entry helpers.
 * Numbers are facts of the DragonFly ABI (see docs/vkernel-host-abi.md section 7.2). */
#ifndef _VK_SYS_SYSCALL_H
#define _VK_SYS_SYSCALL_H

#define SYS_syscall        0
#define SYS_exit           1
#define SYS_fork           2
#define SYS_read           3
#define SYS_write          4
#define SYS_open           5
#define SYS_close          6
#define SYS_wait4          7
#define SYS_link           9
#define SYS_unlink        10
#define SYS_chdir         12
#define SYS_fchdir        13
#define SYS_chmod         15
#define SYS_getpid        20
#define SYS_getuid        24
#define SYS_geteuid       25
#define SYS_access        33
#define SYS_kill          37
#define SYS_getppid       39
#define SYS_dup           41
#define SYS_pipe          42
#define SYS_getegid       43
#define SYS_getgid        47
#define SYS_sigaltstack   53
#define SYS_ioctl         54
#define SYS_symlink       57
#define SYS_readlink      58
#define SYS_execve        59
#define SYS_umask         60
#define SYS_sbrk          69
#define SYS_munmap        73
#define SYS_mprotect      74
#define SYS_madvise       75
#define SYS_dup2          90
#define SYS_fcntl         92
#define SYS_select        93
#define SYS_fsync         95
#define SYS_setitimer     83
#define SYS_getitimer     86
#define SYS_gettimeofday 116
#define SYS_rename       128
#define SYS_flock        131
#define SYS_mkdir        136
#define SYS_rmdir        137
#define SYS_extpread     173
#define SYS_extpwrite    174
#define SYS_getrlimit    194
#define SYS_setrlimit    195
#define SYS_mmap         197
#define SYS___syscall    198
#define SYS_lseek        199
#define SYS_truncate     200
#define SYS_ftruncate    201
#define SYS___sysctl     202
#define SYS_clock_gettime 232
#define SYS_clock_settime 233
#define SYS_clock_getres 234
#define SYS_nanosleep    240
#define SYS_issetugid    253
#define SYS___getcwd     326
#define SYS_sched_yield  331
#define SYS_sigprocmask  340
#define SYS_sigsuspend   341
#define SYS_sigaction    342
#define SYS_sigpending   343
#define SYS_sigreturn    344
#define SYS_kqueue       362
#define SYS_kevent       363
#define SYS_umtx_sleep   469
#define SYS_umtx_wakeup  470
#define SYS_set_tls_area 472
#define SYS_get_tls_area 473
#define SYS_closefrom    474
#define SYS_stat         475
#define SYS_fstat        476
#define SYS_lstat        477
#define SYS_getdirentries 479
#define SYS_getdents     480
#define SYS_usched_set   481
#define SYS_extexit      494
#define SYS_lwp_create   495
#define SYS_lwp_gettid   496
#define SYS_lwp_kill     497
#define SYS_openat       504
#define SYS_fstatat      505
#define SYS_unlinkat     508
#define SYS_renameat     523
#define SYS_mkdirat      524
#define SYS_readlinkat   527
#define SYS_symlinkat    528
#define SYS_pipe2        538
#define SYS_lwp_create2  546
#define SYS_getrandom    550
#define SYS___realpath   551

#ifndef __ASSEMBLER__

/*
 * Raw system call: the DragonFly convention is `syscall` with rax = number,
 * arguments in rdi, rsi, rdx, r10, r8, r9; on failure the carry flag is set and
 * rax holds the positive errno. These helpers return the result, or -errno on
 * failure; they never touch errno.
 */
static inline long __dfly_sc6(long n, long a1, long a2, long a3, long a4,
                              long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long rax = n, rdx = a3;
	unsigned char cf;
	__asm__ volatile("syscall"
	                 : "+a"(rax), "+d"(rdx), "=@ccc"(cf), "+r"(r10)
	                 : "D"(a1), "S"(a2), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return cf ? -rax : rax;
}

/* Same, but also hands back rdx (the second result of fork and pipe). */
static inline long __dfly_sc6_rdx(long n, long a1, long a2, long a3, long a4,
                                  long a5, long a6, long *rdx_out)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long rax = n, rdx = a3;
	unsigned char cf;
	__asm__ volatile("syscall"
	                 : "+a"(rax), "+d"(rdx), "=@ccc"(cf), "+r"(r10)
	                 : "D"(a1), "S"(a2), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	*rdx_out = rdx;
	return cf ? -rax : rax;
}

#define __dfly_sc0(n) __dfly_sc6((n), 0, 0, 0, 0, 0, 0)
#define __dfly_sc1(n, a) __dfly_sc6((n), (long)(a), 0, 0, 0, 0, 0)
#define __dfly_sc2(n, a, b) __dfly_sc6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define __dfly_sc3(n, a, b, c) \
	__dfly_sc6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define __dfly_sc4(n, a, b, c, d) \
	__dfly_sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define __dfly_sc5(n, a, b, c, d, e) \
	__dfly_sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/*
 * Indirect calls through __syscall (198) and syscall (0), written in assembly
 * (src/sysstubs.S): the real number goes in rdi, then up to five register
 * arguments and the rest on the stack at [rsp+8], [rsp+16], ... exactly as the
 * caller's C call laid them out. Result or -errno.
 */
long __dfly_syscall198(long num, long a1, long a2, long a3, long a4, long a5,
                       long a6, long a7);
long __dfly_syscall0(long num, long a1, long a2, long a3, long a4, long a5,
                     long a6, long a7);
/* Direct syscall 197 (mmap, 7 formal args): pad in r9, pos at [rsp+8]. */
long __dfly_mmap_direct(long addr, long len, long prot, long flags, long fd,
                        long pos);

#endif /* !__ASSEMBLER__ */
#endif
