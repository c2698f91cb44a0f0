/*
 * crash: faults on purpose; the kernel must kill it and carry on.
 *   crash         reads NULL
 *   crash munmap  touches a page after munmap (its vpte is gone, MADV_INVAL)
 *   crash text    writes to its own read-only code
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "munmap") == 0) {
		volatile int *m = mmap_anon(4096);
		m[0] = 42;
		munmap((void *)m, 4096);
		printf("crash: touching %p after munmap\n", (void *)m);
		return m[0];
	}
	if (argc > 1 && strcmp(argv[1], "text") == 0) {
		printf("crash: writing to main at %p\n", (void *)main);
		*(volatile char *)main = 0;
		return 0;
	}
	printf("crash: about to dereference NULL\n");
	return *(volatile int *)0;
}
