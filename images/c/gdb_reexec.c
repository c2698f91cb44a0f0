/*
 * Starts the way a VKERNEL64 does, for the GDB stub tests (test/gdb-follow.test.ts):
 * unless GDB_REEXEC is in the environment it execs itself with it (and
 * LD_SHAREDLIB_BASE, which moves DragonFly's rtld's libraries) set, then
 * forks; the parent (the "supervisor") waits, the child does the work in
 * child_work() and exits 7. A breakpoint set on child_work before the program
 * starts must hit in the child, after the exec and the fork.
 *
 *   gdb_reexec           the sequence above; the parent exits with the child's status
 *   gdb_reexec other P   exec program P instead (another program: gdb's old
 *                        breakpoints must not land in it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

#ifdef __clang__
#pragma clang optimize off
#endif

volatile int work_done;

int child_work(int n)
{
	int sum = 0;
	for (int i = 1; i <= n; i++)
		sum += i;
	work_done = sum;
	return sum;
}

static int count_env(char **envp)
{
	int n = 0;
	while (envp[n])
		n++;
	return n;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "other") == 0) {
		char *args[] = { argv[2], 0 };
		fflush(stdout);
		execve(argv[2], args, environ);
		printf("exec %s failed\n", argv[2]);
		return 1;
	}
	if (!getenv("GDB_REEXEC")) {
		int n = count_env(environ);
		char **env = malloc((n + 3) * sizeof(char *));
		for (int i = 0; i < n; i++)
			env[i] = environ[i];
		/* As a VKERNEL64 does: DragonFly's rtld maps the libraries elsewhere in the new image. */
		env[n] = "GDB_REEXEC=1";
		env[n + 1] = "LD_SHAREDLIB_BASE=0x10000000";
		env[n + 2] = 0;
		execve(argv[0], argv, env);
		printf("re-exec failed\n");
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int r = child_work(10);
		printf("child %d\n", r);
		fflush(stdout);
		_exit(7);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("supervisor: child exited %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}
