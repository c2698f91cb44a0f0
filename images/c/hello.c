/* The smallest end-to-end check: output, argv/envp from the initial stack. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <vktest.h>

int main(int argc, char **argv, char **envp)
{
	printf("hello, dragonfly\n");
	int envc = 0;
	while (envp[envc])
		envc++;
	printf("argc=%d envc=%d\n", argc, envc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);

	CHECK(argc >= 1, "argc >= 1");
	CHECK(argv[argc] == 0, "argv is NULL-terminated");
	CHECK(argv[0] != 0 && strlen(argv[0]) > 0, "argv[0] is a non-empty string");
	CHECK(environ == envp, "environ points at envp");
	CHECK(write(1, "", 0) == 0, "write of 0 bytes returns 0");
	char msg[] = "direct write works\n";
	CHECK_EQ(write(1, msg, sizeof(msg) - 1), sizeof(msg) - 1,
	         "write returns the byte count");
	return vkt_done();
}
