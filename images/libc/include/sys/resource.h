/* vkemu guest libc: resource limits. */
#ifndef _VK_SYS_RESOURCE_H
#define _VK_SYS_RESOURCE_H
#include <sys/types.h>

#define RLIMIT_CPU     0
#define RLIMIT_FSIZE   1
#define RLIMIT_DATA    2
#define RLIMIT_STACK   3
#define RLIMIT_CORE    4
#define RLIMIT_RSS     5
#define RLIMIT_MEMLOCK 6
#define RLIMIT_NPROC   7
#define RLIMIT_NOFILE  8
#define RLIMIT_SBSIZE  9
#define RLIMIT_AS     10
#define RLIMIT_VMEM   RLIMIT_AS
#define RLIM_INFINITY ((rlim_t)0x7fffffffffffffffLL)

struct rlimit {
	rlim_t rlim_cur;
	rlim_t rlim_max;
};

int getrlimit(int resource, struct rlimit *rl);
int setrlimit(int resource, const struct rlimit *rl);

#endif
