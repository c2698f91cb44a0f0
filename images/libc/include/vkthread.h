/* vkemu guest libc: a minimal thread API on lwp_create2 + umtx. */
#ifndef _VK_VKTHREAD_H
#define _VK_VKTHREAD_H
#include <sys/types.h>
#include <sys/lwp.h>

typedef struct vk_thread *thread_t;

/* Start fn(arg) on a new LWP with a fresh mmap'd stack (default 256 KiB when
 * stack_size is 0). Returns 0 or an errno value. */
int thread_create(thread_t *t, void *(*fn)(void *), void *arg);
int thread_create_stack(thread_t *t, void *(*fn)(void *), void *arg,
                        size_t stack_size);
/* Wait until the thread has exited (its done word was set by extexit) and
 * release its stack. Returns 0 or an errno value. */
int thread_join(thread_t t, void **ret);
/* The LWP id of a thread (valid as soon as thread_create returned). */
lwpid_t thread_tid(thread_t t);
/* Ends the calling thread (not the process) with this result. */
_Noreturn void thread_exit(void *ret);
/* The calling thread's LWP id (lwp_gettid). */
lwpid_t thread_self_tid(void);

/* A three-state umtx mutex (0 free, 1 locked, 2 locked with waiters). */
typedef struct {
	volatile int v;
} umtx_mutex_t;
#define UMTX_MUTEX_INITIALIZER { 0 }
void umtx_mutex_lock(umtx_mutex_t *m);
void umtx_mutex_unlock(umtx_mutex_t *m);

#endif
