/* vkemu guest libc: DragonFly light-weight processes, umtx and TLS (ABI notes 5.1-5.4). */
#ifndef _VK_SYS_LWP_H
#define _VK_SYS_LWP_H
#include <sys/types.h>

struct lwp_params {
	void (*lwp_func)(void *);	/*  0 */
	void *lwp_arg;			/*  8 */
	void *lwp_stack;		/* 16: initial stack top */
	lwpid_t *lwp_tid1;		/* 24 */
	lwpid_t *lwp_tid2;		/* 32 */
};

struct tls_info {
	void *base;
	long size;
};

#define EXTEXIT_SIMPLE 0
#define EXTEXIT_SETINT 1
#define EXTEXIT_PROC   0
#define EXTEXIT_LWP    0x10000

int lwp_create(struct lwp_params *p);
int lwp_create2(struct lwp_params *p, const void *cpumask);
lwpid_t lwp_gettid(void);
int lwp_kill(pid_t pid, lwpid_t tid, int sig);
_Noreturn void extexit(int how, int status, void *addr);
int extexit_err(int how, int status, void *addr);	/* returns -errno if the store faults */
int set_tls_area(int which, struct tls_info *info, size_t infosize);
int get_tls_area(int which, struct tls_info *info, size_t infosize);

/* umtx: timeout in microseconds (0 = none, host caps at 2 s).
 * These return 0 or -1 with errno (EBUSY value differs, EAGAIN timeout, EINTR). */
int umtx_sleep(volatile const int *ptr, int value, int timeout_us);
int umtx_wakeup(volatile const int *ptr, int count);

#endif
