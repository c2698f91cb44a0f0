/* vkemu guest libc: sysctl, including the {0,3} name-to-OID lookup. */
#include "internal.h"
#include <sys/sysctl.h>
#include <string.h>

int sysctl(const int *name, u_int namelen, void *old, size_t *oldlenp,
           const void *newp, size_t newlen)
{
	return (int)__vk_ret(__dfly_sc6(SYS___sysctl, (long)name, namelen,
	                                (long)old, (long)oldlenp, (long)newp,
	                                (long)newlen));
}

int sysctlnametomib(const char *name, int *mib, size_t *sizep)
{
	int q[2] = { CTL_SYSCTL, 3 };
	int oid[CTL_MAXNAME + 2];
	size_t len = sizeof(oid);
	if (sysctl(q, 2, oid, &len, name, strlen(name)) < 0)
		return -1;
	size_t n = len / sizeof(int);
	if (n > *sizep) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(mib, oid, n * sizeof(int));
	*sizep = n;
	return 0;
}

int sysctlbyname(const char *name, void *old, size_t *oldlenp,
                 const void *newp, size_t newlen)
{
	int mib[CTL_MAXNAME + 2];
	size_t n = CTL_MAXNAME + 2;
	if (sysctlnametomib(name, mib, &n) < 0)
		return -1;
	return sysctl(mib, (u_int)n, old, oldlenp, newp, newlen);
}
