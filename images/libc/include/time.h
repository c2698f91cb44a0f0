/* vkemu guest libc: time. DragonFly clock ids (they differ from Linux). */
#ifndef _VK_TIME_H
#define _VK_TIME_H
#include <sys/types.h>

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

#define CLOCK_REALTIME            0
#define CLOCK_VIRTUAL             1
#define CLOCK_PROF                2
#define CLOCK_MONOTONIC           4
#define CLOCK_UPTIME              5
#define CLOCK_UPTIME_PRECISE      7
#define CLOCK_UPTIME_FAST         8
#define CLOCK_REALTIME_PRECISE    9
#define CLOCK_REALTIME_FAST      10
#define CLOCK_MONOTONIC_PRECISE  11
#define CLOCK_MONOTONIC_FAST     12
#define CLOCK_SECOND             13
#define CLOCK_THREAD_CPUTIME_ID  14
#define CLOCK_PROCESS_CPUTIME_ID 15

int clock_gettime(clockid_t id, struct timespec *ts);
int clock_getres(clockid_t id, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *t);

#endif
