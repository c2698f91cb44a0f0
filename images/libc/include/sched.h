#ifndef _VK_SCHED_H
#define _VK_SCHED_H
int sched_yield(void);
#endif
