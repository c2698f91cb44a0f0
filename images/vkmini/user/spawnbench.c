/*
 * spawnbench [N [PROG]]: starts PROG (default true) N times (default 200), one after the
 * other, each waited for: vkmini's process creation, its vmspace, the ELF load, the run and
 * the exit, as a fork+exec+wait loop measures them on a real kernel. Prints a line and JSON.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 200;
	char *prog = argc > 2 ? argv[2] : "true";
	char *args[] = { prog, 0 };
	if (n == 0) {
		printf("usage: spawnbench [N [PROG]]\n");
		return 1;
	}
	unsigned long t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		int status, pid = spawn(prog, args);
		if (pid < 0) {
			printf("spawnbench: %s: %s\n", prog, errstr(pid));
			return 1;
		}
		if (wait4(pid, &status, 0) != pid || status != 0) {
			printf("spawnbench: %s (pid %d) ended with status 0x%x\n", prog, pid, status);
			return 1;
		}
	}
	unsigned long ns = now_ns() - t0;
	printf("spawnbench: %lu x %s: %lu us each\n", n, prog, ns / n / 1000);
	printf("{\"bench\":\"spawnbench\",\"n\":%lu,\"ns_each\":%lu}\n", n, ns / n);
	return 0;
}
