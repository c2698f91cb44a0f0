/*
 * files: ls and cat on the root UFS (vkd0), cdls and cdcat on the ISO 9660
 * of vcd0. argv[0] names the command.
 *   ls [PATH]      "T SIZE NAME" per entry (T: d directory, - file, l symlink)
 *   cat PATH       the file's bytes
 */
#include "ulib.h"

static char buf[16384];

int main(int argc, char **argv)
{
	const char *cmd = argv[0];
	int cd = cmd[0] == 'c' && cmd[1] == 'd';
	int fs = cd ? FS_CD : FS_ROOT;
	const char *path = argc > 1 ? argv[1] : "/";
	if (strcmp(cmd + (cd ? 2 : 0), "ls") == 0) {
		long n = fsdir(fs, path, buf, sizeof(buf));
		if (n < 0) {
			printf("%s: %s: %s\n", cmd, path, errstr(n));
			return 1;
		}
		write(1, buf, (size_t)n);
		return 0;
	}
	if (strcmp(cmd + (cd ? 2 : 0), "cat") == 0 && argc == 2) {
		unsigned long off = 0;
		for (;;) {
			long n = fsread(fs, path, buf, sizeof(buf), off);
			if (n < 0) {
				printf("%s: %s: %s\n", cmd, path, errstr(n));
				return 1;
			}
			if (n == 0)
				return 0;
			write(1, buf, (size_t)n);
			off += (unsigned long)n;
		}
	}
	printf("usage: ls [PATH] | cat PATH | cdls [PATH] | cdcat PATH\n");
	return 2;
}
