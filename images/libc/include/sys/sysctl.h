/* vkemu guest libc: sysctl (ABI notes 7.8). */
#ifndef _VK_SYS_SYSCTL_H
#define _VK_SYS_SYSCTL_H
#include <sys/types.h>

#define CTL_MAXNAME 12
#define CTL_SYSCTL 0
#define CTL_KERN   1
#define CTL_VM     2
#define CTL_VFS    3
#define CTL_NET    4
#define CTL_DEBUG  5
#define CTL_HW     6
#define CTL_MACHDEP 7
#define CTL_USER   8

#define KERN_OSTYPE    1
#define KERN_OSRELEASE 2
#define KERN_VERSION   4
#define KERN_HOSTNAME 10
#define KERN_CLOCKRATE 12
#define KERN_OSRELDATE 24
#define KERN_USRSTACK 33

#define HW_MACHINE  1
#define HW_MODEL    2
#define HW_NCPU     3
#define HW_PHYSMEM  5
#define HW_PAGESIZE 7

struct clockinfo {
	int hz;
	int tick;
	int tickadj;
	int stathz;
	int profhz;
};

int sysctl(const int *name, u_int namelen, void *old, size_t *oldlenp,
           const void *newp, size_t newlen);
int sysctlbyname(const char *name, void *old, size_t *oldlenp,
                 const void *newp, size_t newlen);
int sysctlnametomib(const char *name, int *mib, size_t *sizep);

#endif
