/* vkemu guest libc: POSIX and DragonFly process / file calls. */
#ifndef _VK_UNISTD_H
#define _VK_UNISTD_H
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

extern char **environ;

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
/* DragonFly: positional I/O with O_F* flags; off == -1 means "current position". */
ssize_t extpread(int fd, void *buf, size_t n, int flags, off_t off);
ssize_t extpwrite(int fd, const void *buf, size_t n, int flags, off_t off);
int close(int fd);
off_t lseek(int fd, off_t off, int whence);
int ftruncate(int fd, off_t len);
int truncate(const char *path, off_t len);
int fsync(int fd);
int dup(int fd);
int dup2(int from, int to);
int pipe(int fds[2]);
int unlink(const char *path);
int rmdir(const char *path);
int chdir(const char *path);
int fchdir(int fd);
char *getcwd(char *buf, size_t size);
int symlink(const char *target, const char *path);
ssize_t readlink(const char *restrict path, char *restrict buf, size_t n);
int link(const char *from, const char *to);
int access(const char *path, int mode);
int isatty(int fd);
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int issetugid(void);
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
_Noreturn void _exit(int status);
unsigned sleep(unsigned seconds);
unsigned alarm(unsigned seconds);
useconds_t ualarm(useconds_t usecs, useconds_t interval);
int pause(void);
int usleep(useconds_t us);
int getpagesize(void);
int closefrom(int fd);
/* Generic entry: returns the result, or -1 with errno set. */
long syscall(long number, ...);

#endif
