/* init: the first process, a small command shell on the console. */
#include "ulib.h"

static char buf[2048];

static void help(void)
{
	printf("commands:\n"
	       "  help                this text\n"
	       "  ps                  list processes\n"
	       "  sysctl [name]       kernel and host values\n"
	       "  uname               system name and release\n"
	       "  run PROG [ARGS] [&] run hello, loop or crash (& = in the background)\n"
	       "  kill PID            stop a process\n"
	       "  spawnbench [N [PROG]]  start PROG (true) N times, each waited for: us each\n"
	       "  halt | reboot       stop or restart the virtual kernel\n");
	printf("devices (programs disk, files and net):\n"
	       "  disks               vkd and vcd units: sizes, serial numbers, counters\n"
	       "  ls [PATH], cat PATH the root UFS on vkd0\n"
	       "  cdls [PATH], cdcat PATH  the ISO 9660 on vcd0\n"
	       "  dwrite U BLK [N], dread U BLK [N], dsync U   test pattern on vkdU, sector BLK\n"
	       "  dbench U [MB], cdbench [U] [MB]             disk and CD throughput\n");
	printf("  ifconfig            vke units: MAC, address, tap unit, counters\n"
	       "  netbench [vkeN] udp IP PORT [FRAMES [SECONDS [SIZE]]] | ping IP [COUNT]\n");
}

/* Commands carried out by programs of their own (argv[0] says which command). */
static const struct { const char *cmd, *prog; } devcmds[] = {
	{ "disks", "disk" }, { "dwrite", "disk" }, { "dread", "disk" }, { "dsync", "disk" },
	{ "dbench", "disk" }, { "cdbench", "disk" },
	{ "ls", "files" }, { "cat", "files" }, { "cdls", "files" }, { "cdcat", "files" },
	{ "ifconfig", "net" }, { "netbench", "net" },
	{ "spawnbench", "spawnbench" },
};

static void report(int pid, int status)
{
	if (WTERMSIG(status))
		printf("[%d] killed by signal %d\n", pid, WTERMSIG(status));
	else if (WEXITSTATUS(status))
		printf("[%d] exit status %d\n", pid, WEXITSTATUS(status));
}

static int split(char *line, char **argv, int max)
{
	int n = 0;
	for (char *s = line; *s && n < max - 1;) {
		while (*s == ' ' || *s == '\t')
			*s++ = 0;
		if (!*s)
			break;
		argv[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	argv[n] = NULL;
	return n;
}

static void foreground(const char *prog, char **argv)
{
	int pid = spawn(prog, argv);
	if (pid < 0) {
		printf("%s: cannot start %s: %s\n", argv[0], prog, pid == -VK_ENOENT ? "no such program" : errstr(pid));
		return;
	}
	int status;
	if (wait4(pid, &status, 0) == pid)
		report(pid, status);
}

static void run(int argc, char **argv)
{
	int bg = strcmp(argv[argc - 1], "&") == 0;
	if (bg)
		argv[--argc] = NULL;
	if (argc < 2) {
		printf("usage: run PROG [ARGS] [&]\n");
		return;
	}
	int pid = spawn(argv[1], argv + 1);
	if (pid < 0) {
		printf("run: %s: %s\n", argv[1], pid == -VK_ENOENT ? "no such program" : "cannot start");
		return;
	}
	if (bg) {
		printf("[%d] %s\n", pid, argv[1]);
		return;
	}
	int status;
	if (wait4(pid, &status, 0) == pid)
		report(pid, status);
}

int main(void)
{
	char line[256], *argv[16];
	printf("\nvkmini init (pid %d): type 'help' for commands\n", getpid());
	for (;;) {
		int status, pid;
		while ((pid = wait4(-1, &status, WNOHANG)) > 0) {
			printf("[%d] done\n", pid);
			report(pid, status);
		}
		printf("vkmini# ");
		long n = read(0, line, sizeof(line) - 1);
		if (n <= 0) {
			printf("\ninit: end of console input\n");
			reboot(RB_HALT);
		}
		line[n] = 0;
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		int argc = split(line, argv, 16);
		if (argc == 0)
			continue;
		const char *cmd = argv[0];
		if (strcmp(cmd, "help") == 0)
			help();
		else if (strcmp(cmd, "ps") == 0) {
			long k = ps(buf, sizeof(buf));
			if (k > 0)
				write(1, buf, (size_t)k);
		} else if (strcmp(cmd, "sysctl") == 0) {
			long k = sysctl(argv[1], buf, sizeof(buf) - 1);
			if (k < 0) {
				printf("sysctl: unknown oid '%s'\n", argv[1]);
				continue;
			}
			buf[k] = 0;
			if (argv[1] && (k == 0 || buf[k - 1] != '\n'))
				printf("%s: %s\n", argv[1], buf);	/* one value */
			else
				write(1, buf, (size_t)k);
		} else if (strcmp(cmd, "uname") == 0) {
			char os[32], rel[32], mach[32];
			long a = sysctl("kern.ostype", os, sizeof(os) - 1);
			long b = sysctl("kern.osrelease", rel, sizeof(rel) - 1);
			long c = sysctl("hw.machine", mach, sizeof(mach) - 1);
			os[a > 0 ? a : 0] = rel[b > 0 ? b : 0] = mach[c > 0 ? c : 0] = 0;
			printf("%s %s %s\n", os, rel, mach);
		} else if (strcmp(cmd, "run") == 0)
			run(argc, argv);
		else if (strcmp(cmd, "kill") == 0 && argc == 2) {
			if (kill(atoi(argv[1]), 15) < 0)
				printf("kill: %s: no such process\n", argv[1]);
		} else if (strcmp(cmd, "halt") == 0)
			reboot(RB_HALT);
		else if (strcmp(cmd, "reboot") == 0)
			reboot(0);
		else {
			unsigned i = 0;
			while (i < sizeof(devcmds) / sizeof(devcmds[0]) && strcmp(devcmds[i].cmd, cmd) != 0)
				i++;
			if (i < sizeof(devcmds) / sizeof(devcmds[0]))
				foreground(devcmds[i].prog, argv);
			else
				printf("%s: unknown command (try help)\n", cmd);
		}
	}
}
