/*
 * Clocks with DragonFly ids: REALTIME 0, MONOTONIC 4, UPTIME 5,
 * MONOTONIC_PRECISE 11, MONOTONIC_FAST 12, SECOND 13; monotonicity; nanosleep
 * duration and EINVAL; gettimeofday against CLOCK_REALTIME; the clocks against
 * kern.boottime (the monotonic clock counts from boot).
 */
#include <stdio.h>
#include <errno.h>
#include <time.h>
#include <sys/time.h>
#include <sys/sysctl.h>
#include <vktest.h>

static long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000L + t->tv_nsec;
}

int main(void)
{
	static const struct {
		int id;
		const char *name;
	} clocks[] = {
		{ 0, "CLOCK_REALTIME (0)" },
		{ 4, "CLOCK_MONOTONIC (4)" },
		{ 5, "CLOCK_UPTIME (5)" },
		{ 11, "CLOCK_MONOTONIC_PRECISE (11)" },
		{ 12, "CLOCK_MONOTONIC_FAST (12)" },
		{ 13, "CLOCK_SECOND (13)" },
	};
	CHECK_EQ(CLOCK_MONOTONIC, 4, "header: CLOCK_MONOTONIC is 4 on DragonFly");
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec ts = { -1, -1 };
		CHECK_EQ(clock_gettime(clocks[i].id, &ts), 0, "clock_gettime %s", clocks[i].name);
		CHECK(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L,
		      "%s value is normalised (%ld.%09ld)", clocks[i].name, (long)ts.tv_sec,
		      ts.tv_nsec);
	}
	struct timespec rt, sec;
	clock_gettime(CLOCK_REALTIME, &rt);
	CHECK(rt.tv_sec > 1577836800L, "CLOCK_REALTIME is after 2020-01-01 (%ld)", (long)rt.tv_sec);
	clock_gettime(CLOCK_SECOND, &sec);
	CHECK_EQ(sec.tv_nsec, 0, "CLOCK_SECOND has whole seconds");
	CHECK(sec.tv_sec >= rt.tv_sec - 2 && sec.tv_sec <= rt.tv_sec + 2,
	      "CLOCK_SECOND is wall-clock seconds");
	CHECK_ERRNO(clock_gettime(99, &rt), EINVAL, "unknown clock id 99 -> EINVAL (22)");

	struct timespec res;
	CHECK_EQ(clock_getres(CLOCK_MONOTONIC, &res), 0, "clock_getres MONOTONIC");
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000,
	      "resolution is positive and <= 10 ms (%ld ns)", res.tv_nsec);

	/* monotonicity */
	int mono_ok = 1, fast_ok = 1;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 2000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(&b) < ns(&a))
			mono_ok = 0;
		a = b;
	}
	CHECK(mono_ok, "CLOCK_MONOTONIC never decreases over 2000 reads");
	clock_gettime(CLOCK_MONOTONIC_FAST, &a);
	for (int i = 0; i < 2000; i++) {
		clock_gettime(CLOCK_MONOTONIC_FAST, &b);
		if (ns(&b) < ns(&a))
			fast_ok = 0;
		a = b;
	}
	CHECK(fast_ok, "CLOCK_MONOTONIC_FAST never decreases");
	struct timespec m, u;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_UPTIME, &u);
	long diff = ns(&m) - ns(&u);
	CHECK(diff > -1000000000L && diff < 1000000000L, "MONOTONIC and UPTIME agree within 1 s");

	/* nanosleep */
	struct timespec req = { 0, 50 * 1000000L }, rem = { 9, 9 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_EQ(nanosleep(&req, &rem), 0, "nanosleep 50 ms");
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (ns(&b) - ns(&a)) / 1000000;
	CHECK(ms >= 45 && ms <= 500, "nanosleep 50 ms took %ld ms", ms);
	req.tv_nsec = 2000000000L;
	CHECK_ERRNO(nanosleep(&req, 0), EINVAL, "nanosleep with tv_nsec = 2e9 -> EINVAL (22)");
	req.tv_nsec = -1;
	CHECK_ERRNO(nanosleep(&req, 0), EINVAL, "nanosleep with tv_nsec = -1 -> EINVAL");
	req.tv_sec = 0;
	req.tv_nsec = 0;
	CHECK_EQ(nanosleep(&req, 0), 0, "nanosleep of zero returns at once");

	/* gettimeofday */
	struct timeval tv;
	struct timespec r1, r2;
	clock_gettime(CLOCK_REALTIME, &r1);
	CHECK_EQ(gettimeofday(&tv, 0), 0, "gettimeofday");
	clock_gettime(CLOCK_REALTIME, &r2);
	long tv_us = tv.tv_sec * 1000000L + tv.tv_usec;
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec normalised");
	CHECK(tv_us >= ns(&r1) / 1000 - 1000 && tv_us <= ns(&r2) / 1000 + 1000,
	      "gettimeofday lies between two CLOCK_REALTIME reads");
	struct timezone tz = { 77, 77 };
	CHECK_EQ(gettimeofday(&tv, &tz), 0, "gettimeofday with a timezone pointer");
	CHECK(time(0) >= r1.tv_sec, "time(NULL)");

	/* Boot time + monotonic time = wall time (vkemu boots with the monotonic clock at 1 s). */
	struct timeval boot;
	size_t len = sizeof boot;
	CHECK_EQ(sysctlbyname("kern.boottime", &boot, &len, 0, 0), 0, "kern.boottime");
	clock_gettime(CLOCK_REALTIME, &r1);
	clock_gettime(CLOCK_MONOTONIC, &m);
	long skew = ns(&r1) - ns(&m) - (boot.tv_sec * 1000000000L + boot.tv_usec * 1000L);
	CHECK(skew > -2000000000L && skew < 1000000000L, "boot time + CLOCK_MONOTONIC is CLOCK_REALTIME (off by %ld ms)",
	      skew / 1000000);
	return vkt_done();
}
