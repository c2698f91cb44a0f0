/* loop: spins forever; only preemption by the timer tick lets others run. */
#include "ulib.h"

int main(void)
{
	printf("loop: pid %d spinning\n", getpid());
	for (volatile unsigned long n = 0;; n++)
		;
}
