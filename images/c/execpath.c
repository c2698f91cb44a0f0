/* execve(argv[1]) and print the errno it failed with: how a guest root (-L)
 * answers for programs it does not have. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: execpath PATH\n");
		return 2;
	}
	char *av[] = { argv[1], 0 };
	execve(argv[1], av, 0);
	printf("errno=%d\n", errno);
	return 1;
}
