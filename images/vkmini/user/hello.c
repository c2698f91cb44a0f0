/* hello: greets, then exercises the heap (brk), an anonymous mapping and its removal. */
#include "ulib.h"

int main(int argc, char **argv)
{
	printf("hello from pid %d (%s)", getpid(), argv[0]);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");

	char *heap = sbrk(3 * 4096);
	if (heap == (void *)-1)
		return 1;
	for (int i = 0; i < 3 * 4096; i++)
		heap[i] = (char)i;
	sbrk(-2 * 4096);		/* gives two pages back: their vptes go, MADV_INVAL */
	unsigned long *m = mmap_anon(8 * 4096);
	if (!m)
		return 2;
	unsigned long sum = 0;
	for (int i = 0; i < 8 * 512; i++)
		m[i] = (unsigned long)i;
	for (int i = 0; i < 8 * 512; i++)
		sum += m[i];
	if (munmap(m, 8 * 4096) != 0)
		return 3;
	/* vectorised loops: a wrong sum means the FPU state did not survive the page faults */
	int good = sum == 4096UL * 4095 / 2 && heap[4095] == (char)4095;
	printf("hello: heap at %p, mmap sum %lu: %s\n", (void *)heap, sum, good ? "ok" : "BAD");
	return good ? 0 : 4;
}
