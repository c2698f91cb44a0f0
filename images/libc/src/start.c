/* vkemu guest libc: C-level process start (called by _start in crt0.S). */
#include "internal.h"
#include <stdlib.h>
#include <unistd.h>

char **environ;
long *__vk_auxv;

int main(int argc, char **argv, char **envp);

_Noreturn void __vk_start_c(long *ap)
{
	int argc = (int)ap[0];
	char **argv = (char **)(ap + 1);
	char **envp = argv + argc + 1;
	char **e = envp;
	while (*e)
		e++;
	environ = envp;
	__vk_auxv = (long *)(e + 1);
	exit(main(argc, argv, envp));
}
