/*
 * sysctl through __sysctl (202): numeric MIBs, the {0,3} name-to-OID lookup,
 * partial reads (ENOMEM with the full length reported), unknown names; plus
 * getrlimit/setrlimit, getpid/getppid, issetugid, getrandom.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/sysctl.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <vktest.h>

int main(void)
{
	int v = 0;
	size_t len = sizeof(v);
	int mib[2] = { CTL_HW, HW_PAGESIZE };
	CHECK_EQ(sysctl(mib, 2, &v, &len, 0, 0), 0, "sysctl {6,7} hw.pagesize");
	CHECK_EQ(v, 4096, "hw.pagesize = 4096");
	CHECK_EQ(len, sizeof(int), "oldlen = 4");
	v = 0;
	len = sizeof(v);
	CHECK_EQ(sysctlbyname("hw.pagesize", &v, &len, 0, 0), 0, "sysctlbyname hw.pagesize");
	CHECK_EQ(v, 4096, "hw.pagesize by name = 4096");

	int oid[CTL_MAXNAME];
	size_t n = CTL_MAXNAME;
	CHECK_EQ(sysctlnametomib("hw.pagesize", oid, &n), 0, "name-to-OID lookup {0,3}");
	CHECK(n == 2 && oid[0] == 6 && oid[1] == 7, "hw.pagesize resolves to {6,7} (n=%zu)", n);

	int ncpu = 0;
	len = sizeof(ncpu);
	CHECK_EQ(sysctlbyname("hw.ncpu", &ncpu, &len, 0, 0), 0, "hw.ncpu");
	CHECK(ncpu >= 1 && ncpu <= 256, "hw.ncpu in 1..256 (%d)", ncpu);
	mib[1] = HW_NCPU;
	v = 0;
	len = sizeof(v);
	CHECK(sysctl(mib, 2, &v, &len, 0, 0) == 0 && v == ncpu, "hw.ncpu via {6,3}");

	int rel = 0;
	len = sizeof(rel);
	CHECK_EQ(sysctlbyname("kern.osreldate", &rel, &len, 0, 0), 0, "kern.osreldate");
	CHECK(rel >= 400000 && rel < 1000000, "kern.osreldate plausible (%d)", rel);

	unsigned long us = 0;
	len = sizeof(us);
	CHECK_EQ(sysctlbyname("kern.usrstack", &us, &len, 0, 0), 0, "kern.usrstack");
	CHECK_EQ(len, 8, "kern.usrstack is 8 bytes");
	CHECK_EQ(us, 0x7FFFFFE00000L, "kern.usrstack = 0x7FFFFFE00000");
	CHECK((unsigned long)&us < us, "our stack is below usrstack");

	char os[64];
	memset(os, 'X', sizeof(os));
	len = sizeof(os);
	CHECK_EQ(sysctlbyname("kern.ostype", os, &len, 0, 0), 0, "kern.ostype");
	CHECK(strcmp(os, "DragonFly") == 0, "kern.ostype = \"DragonFly\" (%.20s)", os);
	CHECK_EQ(len, 10, "string length includes the NUL (10)");
	int kmib[2] = { CTL_KERN, KERN_OSTYPE };
	memset(os, 0, sizeof(os));
	len = sizeof(os);
	CHECK(sysctl(kmib, 2, os, &len, 0, 0) == 0 && strcmp(os, "DragonFly") == 0,
	      "kern.ostype via {1,1}");

	/* size query and short buffer */
	len = 0;
	CHECK_EQ(sysctlbyname("kern.ostype", 0, &len, 0, 0), 0, "size query with old = NULL");
	CHECK_EQ(len, 10, "size query reports 10");
	char small[4] = { 0, 0, 0, 0 };
	len = sizeof(small);
	CHECK_ERRNO(sysctlbyname("kern.ostype", small, &len, 0, 0), ENOMEM,
	            "short buffer -> ENOMEM (12)");
	CHECK_EQ(len, 10, "oldlen still set to the full size after ENOMEM");
	CHECK(memcmp(small, "Drag", 4) == 0, "partial data copied");

	char osrel[64] = { 0 };
	len = sizeof(osrel);
	CHECK_EQ(sysctlbyname("kern.osrelease", osrel, &len, 0, 0), 0, "kern.osrelease (%s)", osrel);

	unsigned char rnd[32];
	memset(rnd, 0, sizeof(rnd));
	len = sizeof(rnd);
	int r = sysctlbyname("kern.random", rnd, &len, 0, 0);
	int nonzero = 0;
	for (size_t i = 0; i < sizeof(rnd); i++)
		nonzero |= rnd[i];
	CHECK(r == 0 && len > 0 && nonzero, "kern.random returns random bytes (len %zu)", len);

	v = 0;
	len = sizeof(v);
	CHECK_ERRNO(sysctlbyname("kern.no_such_node_vkemu", &v, &len, 0, 0), ENOENT,
	            "unknown name -> ENOENT (2)");
	int bogus[2] = { CTL_HW, 99999 };
	len = sizeof(v);
	errno = 0;
	r = sysctl(bogus, 2, &v, &len, 0, 0);
	CHECK(r == -1 && (errno == ENOENT || errno == EOPNOTSUPP),
	      "unknown numeric MIB fails (errno %d)", errno);
	len = sizeof(v);
	CHECK_ERRNO(sysctl(bogus, 1, &v, &len, 0, 0), EINVAL, "namelen 1 -> EINVAL");
	len = sizeof(v);
	CHECK_ERRNO(sysctl(bogus, 13, &v, &len, 0, 0), EINVAL, "namelen 13 -> EINVAL");

	/* resource limits */
	struct rlimit rl, rl2;
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0, "getrlimit RLIMIT_NOFILE (8)");
	CHECK(rl.rlim_cur > 3 && rl.rlim_cur <= rl.rlim_max, "soft <= hard (%ld/%ld)",
	      (long)rl.rlim_cur, (long)rl.rlim_max);
	rl2 = rl;
	rl2.rlim_cur = 64;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl2), 0, "setrlimit soft NOFILE to 64");
	struct rlimit rl3;
	getrlimit(RLIMIT_NOFILE, &rl3);
	CHECK_EQ(rl3.rlim_cur, 64, "new soft limit visible");
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0, "restore the limit");
	struct rlimit st;
	CHECK_EQ(getrlimit(RLIMIT_STACK, &st), 0, "getrlimit RLIMIT_STACK (3)");
	CHECK(st.rlim_cur > 0, "stack limit positive");

	/* process identity */
	pid_t pid = getpid();
	CHECK(pid > 1, "getpid() != 1 (%d)", pid);
	CHECK_EQ(getpid(), pid, "getpid is stable");
	CHECK(getppid() >= 0 && getppid() != pid, "getppid (%d)", getppid());
	CHECK_EQ(issetugid(), 0, "issetugid() = 0");

	unsigned char g[64];
	memset(g, 0, sizeof(g));
	ssize_t gr = getrandom(g, sizeof(g), 0);
	nonzero = 0;
	for (size_t i = 0; i < sizeof(g); i++)
		nonzero |= g[i];
	CHECK(gr == (ssize_t)sizeof(g) && nonzero, "getrandom (550) fills 64 bytes (%ld)", (long)gr);
	/* net.route NET_RT_IFLIST: DragonFly 5.9 routing messages (version 7; index at 4,
	 * flags at 8, addrs at 12), lo0 with its sockaddr_dl and 127.0.0.1. */
	{
		int rmib[6] = { 4, 17, 0, 0, 3, 0 };
		static unsigned char rib[65536];
		size_t rlen = sizeof(rib);
		CHECK_EQ(sysctl(rmib, 6, rib, &rlen, 0, 0), 0, "sysctl NET_RT_IFLIST");
		int ifinfos = 0, lo0 = 0, lo_index = -1, loaddr = 0;
		for (size_t off = 0; off + 4 <= rlen;) {
			unsigned short mlen = *(unsigned short *)(rib + off);
			if (mlen < 4 || off + mlen > rlen) break;
			unsigned char ver = rib[off + 2], type = rib[off + 3];
			unsigned short index = *(unsigned short *)(rib + off + 4);
			int flags = *(int *)(rib + off + 8), addrs = *(int *)(rib + off + 12);
			if (ver == 7 && type == 0xe && (addrs & 0x10)) {
				ifinfos++;
				unsigned char *dl = rib + off + 176;
				if (dl[1] == 18 && dl[5] == 3 && memcmp(dl + 8, "lo0", 3) == 0 && (flags & 0x8)) {
					lo0 = 1;
					lo_index = index;
				}
			}
			if (ver == 7 && type == 0xc && index == lo_index && (addrs & 0x24) == 0x24) {
				unsigned char *sa = rib + off + 24;
				sa += (sa[0] + 7) & ~7;	/* skip the netmask: the address follows */
				if (sa[1] == 2 && sa[4] == 127 && sa[7] == 1)
					loaddr = 1;
			}
			off += mlen;
		}
		CHECK(ifinfos >= 1, "RTM_IFINFO messages (%d)", ifinfos);
		CHECK(lo0, "lo0 is listed as a loopback interface with its link address");
		CHECK(loaddr, "an RTM_NEWADDR gives lo0 the address 127.0.0.1");
	}
	/* varsym: what libc's uname() asks first; reboot is not the guest's to do. */
	{
		char vb[16] = { 0 };
		CHECK_EQ(__dfly_sc4(451, 0, (long)"vkemu_unset", (long)vb, sizeof(vb)), -ENOENT, "varsym_get of an unset name -> ENOENT");
		CHECK_EQ(__dfly_sc3(450, 0, (long)"vkemu_test", (long)"42"), 0, "varsym_set");
		CHECK_EQ(__dfly_sc4(451, 0, (long)"vkemu_test", (long)vb, sizeof(vb)), 3, "varsym_get returns strlen + 1");
		CHECK(strcmp(vb, "42") == 0, "and the value");
		CHECK_EQ(__dfly_sc1(55, 0), -EPERM, "reboot(2) -> EPERM");
	}
	return vkt_done();
}
