/*
 * A guest that ignores SIGTERM and SIGHUP and spins, as a vkernel that panicked
 * into its db> prompt does: vkemu must still end on a second SIGTERM or a
 * hang-up, flushing the disk image this program holds open (argv[1], opened
 * O_DIRECT for writing as a vkernel opens its vkd images). "ready" is printed
 * once the image is written and the signals are ignored.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigignore IMAGE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	static char block[512];
	strcpy(block, "written by sigignore");
	if (pwrite(fd, block, sizeof(block), 0) != (ssize_t)sizeof(block)) {
		perror("pwrite");
		return 1;
	}
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	printf("ready\n");
	fflush(stdout);
	for (volatile unsigned long n = 0;; n++)
		;
}
