/* vkemu guest libc: wait. */
#ifndef _VK_SYS_WAIT_H
#define _VK_SYS_WAIT_H
#include <sys/types.h>

#define WNOHANG    1
#define WUNTRACED  2
#define WCONTINUED 4
#define WTERMSIG(s)    ((s) & 0x7f)
#define WIFEXITED(s)   (WTERMSIG(s) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (WTERMSIG(s) != 0x7f && WTERMSIG(s) != 0)
#define WIFSTOPPED(s)  (WTERMSIG(s) == 0x7f)
#define WSTOPSIG(s)    (((s) >> 8) & 0xff)
#define WIFCONTINUED(s) ((s) == 19)

pid_t wait4(pid_t pid, int *status, int options, void *rusage);
pid_t waitpid(pid_t pid, int *status, int options);

#endif
