/*
 * vkemu guest libc: minimal threads on DragonFly LWPs.
 *
 * Each thread owns one anonymous mapping: a PROT_NONE guard page at the bottom,
 * the stack, and its control structure at the very top. The new LWP starts in
 * thread_entry() with rsp = stack top - 8. It ends with
 * extexit(EXTEXIT_SETINT | EXTEXIT_LWP, 1, &done): the kernel stores 1 into
 * `done` once the thread no longer runs, so the joiner may then unmap the
 * stack. Because the kernel is not required to wake anybody for that store,
 * the thread first raises `exiting` and wakes the joiner itself; the joiner
 * then only has a very short wait for `done`.
 */
#include "internal.h"
#include <vkthread.h>
#include <sys/mman.h>
#include <sys/lwp.h>
#include <sched.h>
#include <string.h>

struct vk_thread {
	volatile int done;	/* stored by the kernel (extexit SETINT) */
	volatile int exiting;	/* stored by the thread before extexit */
	lwpid_t tid;		/* stored by lwp_create2 via lwp_tid1 */
	int pad;
	void *(*fn)(void *);
	void *arg;
	void *ret;
	void *map;
	size_t maplen;
	struct vk_tcb tcb;
} __attribute__((aligned(64)));

#define GUARD 4096UL
#define DEFAULT_STACK (256UL * 1024)

static _Noreturn void finish(struct vk_thread *t, void *ret)
{
	t->ret = ret;
	__atomic_store_n(&t->exiting, 1, __ATOMIC_RELEASE);
	__dfly_sc2(SYS_umtx_wakeup, &t->exiting, 0);
	for (;;)
		__dfly_sc3(SYS_extexit, EXTEXIT_SETINT | EXTEXIT_LWP, 1, &t->done);
}

static void thread_entry(void *arg)
{
	struct vk_thread *t = arg;
	t->tcb.self = &t->tcb;
	t->tcb.err = 0;
	t->tcb.thread = t;
	struct tls_info ti = { &t->tcb, sizeof(t->tcb) };
	__dfly_sc3(SYS_set_tls_area, 0, &ti, sizeof(ti));
	t->tcb.tid = (int)__dfly_sc0(SYS_lwp_gettid);
	finish(t, t->fn(t->arg));
}

int thread_create_stack(thread_t *out, void *(*fn)(void *), void *arg,
                        size_t stack_size)
{
	if (stack_size == 0)
		stack_size = DEFAULT_STACK;
	stack_size = (stack_size + 4095) & ~4095UL;
	size_t len = stack_size + GUARD;

	__vk_tls_enable_main();

	char *map = __vk_page_alloc(len);
	if (!map)
		return ENOMEM;
	__dfly_sc3(SYS_mprotect, map, GUARD, PROT_NONE);

	uintptr_t top = ((uintptr_t)map + len - sizeof(struct vk_thread)) & ~63UL;
	struct vk_thread *t = (struct vk_thread *)top;
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	t->map = map;
	t->maplen = len;
	t->tid = -1;

	struct lwp_params p = {
		.lwp_func = thread_entry,
		.lwp_arg = t,
		.lwp_stack = (void *)top,	/* 64-byte aligned */
		.lwp_tid1 = &t->tid,
		.lwp_tid2 = 0,
	};
	long r = __dfly_sc2(SYS_lwp_create2, &p, 0);
	if (r < 0) {
		__vk_page_free(map, len);
		return (int)-r;
	}
	*out = t;
	return 0;
}

int thread_create(thread_t *out, void *(*fn)(void *), void *arg)
{
	return thread_create_stack(out, fn, arg, 0);
}

lwpid_t thread_tid(thread_t t)
{
	return t->tid;
}

lwpid_t thread_self_tid(void)
{
	return (lwpid_t)__dfly_sc0(SYS_lwp_gettid);
}

int thread_join(thread_t t, void **ret)
{
	while (!__atomic_load_n(&t->exiting, __ATOMIC_ACQUIRE))
		__dfly_sc3(SYS_umtx_sleep, &t->exiting, 0, 1000000);
	for (int i = 0; !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE); i++) {
		if (i < 50)
			__dfly_sc0(SYS_sched_yield);
		else
			__dfly_sc3(SYS_umtx_sleep, &t->done, 0, 1000);
	}
	if (ret)
		*ret = t->ret;
	__vk_page_free(t->map, t->maplen);
	return 0;
}

_Noreturn void thread_exit(void *ret)
{
	if (__vk_tls_active) {
		struct vk_tcb *tcb;
		__asm__ volatile("movq %%fs:0, %0" : "=r"(tcb));
		if (tcb->thread)
			finish(tcb->thread, ret);
	}
	/* main thread (or no TLS): just end this LWP */
	for (;;)
		__dfly_sc3(SYS_extexit, EXTEXIT_SIMPLE | EXTEXIT_LWP, 0, 0);
}

void umtx_mutex_lock(umtx_mutex_t *m)
{
	int c = 0;
	if (__atomic_compare_exchange_n(&m->v, &c, 1, 0, __ATOMIC_ACQUIRE,
	                                __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&m->v, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		__dfly_sc3(SYS_umtx_sleep, &m->v, 2, 0);
		c = __atomic_exchange_n(&m->v, 2, __ATOMIC_ACQUIRE);
	}
}

void umtx_mutex_unlock(umtx_mutex_t *m)
{
	if (__atomic_fetch_sub(&m->v, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&m->v, 0, __ATOMIC_RELEASE);
		__dfly_sc2(SYS_umtx_wakeup, &m->v, 1);
	}
}
