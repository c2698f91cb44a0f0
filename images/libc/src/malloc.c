/*
 * vkemu guest libc: malloc on anonymous mmap.
 * Small requests (<= 32 KiB) come from power-of-two size classes carved out of
 * 1 MiB chunks and are recycled through per-class free lists; larger ones get
 * their own mapping and are unmapped on free. Every block carries a 16-byte
 * header {usable size, class or LARGE}. A spin lock (yielding) serialises it.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sched.h>

#define MIN_SHIFT 4			/* 16-byte class */
#define MAX_SHIFT 15			/* 32 KiB class */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK (1UL << 20)
#define HDR 16
#define LARGE 0xffff
#define PAGE 4096UL

struct hdr {
	size_t size;	/* usable bytes after the header */
	size_t cls;	/* size class, or LARGE */
};

struct freeblk {
	struct freeblk *next;
};

static struct freeblk *freelist[NCLASSES];
static char *chunk_cur, *chunk_end;
static volatile int lock_word;

static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
			sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static int class_of(size_t n)
{
	int c = 0;
	size_t s = 1UL << MIN_SHIFT;
	while (s < n + HDR) {
		s <<= 1;
		c++;
	}
	return c;
}

void *malloc(size_t n)
{
	if (n > (1UL << MAX_SHIFT) - HDR) {
		if (n > ((size_t)1 << 46)) {
			errno = ENOMEM;
			return 0;
		}
		size_t len = (n + HDR + PAGE - 1) & ~(PAGE - 1);
		struct hdr *h = __vk_page_alloc(len);
		if (!h) {
			errno = ENOMEM;
			return 0;
		}
		h->size = len - HDR;
		h->cls = LARGE;
		return (char *)h + HDR;
	}
	int c = class_of(n);
	size_t bsize = 1UL << (c + MIN_SHIFT);
	lock();
	struct hdr *h;
	if (freelist[c]) {
		h = (struct hdr *)freelist[c];
		freelist[c] = freelist[c]->next;
	} else {
		if ((size_t)(chunk_end - chunk_cur) < bsize) {
			char *p = __vk_page_alloc(CHUNK);
			if (!p) {
				unlock();
				errno = ENOMEM;
				return 0;
			}
			chunk_cur = p;
			chunk_end = p + CHUNK;
		}
		h = (struct hdr *)chunk_cur;
		chunk_cur += bsize;
	}
	unlock();
	h->size = bsize - HDR;
	h->cls = (size_t)c;
	return (char *)h + HDR;
}

void free(void *p)
{
	if (!p)
		return;
	struct hdr *h = (struct hdr *)((char *)p - HDR);
	if (h->cls == LARGE) {
		__vk_page_free(h, h->size + HDR);
		return;
	}
	int c = (int)h->cls;
	lock();
	((struct freeblk *)h)->next = freelist[c];
	freelist[c] = (struct freeblk *)h;
	unlock();
}

void *calloc(size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size) {
		errno = ENOMEM;
		return 0;
	}
	size_t n = count * size;
	void *p = malloc(n);
	if (!p)
		return 0;
	struct hdr *h = (struct hdr *)((char *)p - HDR);
	if (h->cls != LARGE)	/* fresh large mappings are already zero */
		memset(p, 0, n);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return 0;
	}
	struct hdr *h = (struct hdr *)((char *)p - HDR);
	if (n <= h->size)
		return p;
	void *q = malloc(n);
	if (!q)
		return 0;
	memcpy(q, p, h->size);
	free(p);
	return q;
}
