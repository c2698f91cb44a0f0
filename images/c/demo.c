/* A friendly demo: who am I running on, and what was I given? */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysctl.h>

static void sysctl_str(const char *name, char *buf, size_t n)
{
	size_t len = n;
	if (sysctlbyname(name, buf, &len, 0, 0) < 0)
		snprintf(buf, n, "(unknown)");
}

static int sysctl_int(const char *name)
{
	int v = -1;
	size_t len = sizeof(v);
	if (sysctlbyname(name, &v, &len, 0, 0) < 0)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	char ostype[64], osrel[64];
	sysctl_str("kern.ostype", ostype, sizeof(ostype));
	sysctl_str("kern.osrelease", osrel, sizeof(osrel));
	printf("Hello from a DragonFly BSD x86-64 program!\n");
	printf("  system:     %s %s\n", ostype, osrel);
	printf("  cpus:       %d\n", sysctl_int("hw.ncpu"));
	printf("  page size:  %d\n", sysctl_int("hw.pagesize"));
	printf("  osreldate:  %d\n", sysctl_int("kern.osreldate"));
	printf("  pid:        %d (parent %d)\n", getpid(), getppid());

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long days = (long)(ts.tv_sec / 86400), secs = (long)(ts.tv_sec % 86400);
	/* civil date from days since 1970-01-01 */
	long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	printf("  time:       %04ld-%02ld-%02ld %02ld:%02ld:%02ld UTC\n", y, m, d, secs / 3600,
	       secs / 60 % 60, secs % 60);
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	printf("  monotonic:  %ld.%03ld s\n", (long)mono.tv_sec, mono.tv_nsec / 1000000);

	printf("  arguments:  %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("    argv[%d] = \"%s\"\n", i, argv[i]);
	return 0;
}
