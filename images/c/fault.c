/* An unhandled NULL dereference: the process must be killed by SIGSEGV, so the
 * harness expects exit status 128 + 11. */
#include <stdio.h>

int main(void)
{
	printf("about to fault\n");
	int *p;
	/* hide the constant from the optimiser so a real load is emitted */
	__asm__ volatile("xor %k0, %k0" : "=r"(p));
	int v = *(volatile int *)p;
	printf("still alive?! read %d\n", v);
	return 0;
}
