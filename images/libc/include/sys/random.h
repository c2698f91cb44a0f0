#ifndef _VK_SYS_RANDOM_H
#define _VK_SYS_RANDOM_H
#include <sys/types.h>
ssize_t getrandom(void *buf, size_t len, unsigned flags);
#endif
