/* vkemu guest libc: shared internals. */
#ifndef _VK_INTERNAL_H
#define _VK_INTERNAL_H
#include <sys/types.h>
#include <sys/syscall.h>
#include <errno.h>

/* Per-thread control block reached through %fs once threads exist. */
struct vk_tcb {
	struct vk_tcb *self;
	int err;
	int tid;
	void *thread;
};

extern int __vk_tls_active;
extern struct vk_tcb __vk_main_tcb;
extern long *__vk_auxv;

/* Turn a raw result (value or -errno) into the C convention. */
static inline long __vk_ret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

void __vk_tls_enable_main(void);
void *__vk_page_alloc(size_t len);	/* anonymous RW mapping or NULL */
void __vk_page_free(void *p, size_t len);

#endif
