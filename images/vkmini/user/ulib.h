/* vkmini user library: start-up, system calls and a little formatting. */
#ifndef ULIB_H
#define ULIB_H
#include <stdarg.h>
#include "../vkmini.h"

typedef unsigned long size_t;
#define NULL ((void *)0)

long __syscall6(long n, long a, long b, long c, long d, long e, long f);
#define sys(n, a, b, c) __syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

_Noreturn void exit(int status);
long read(int fd, void *buf, size_t n);
long write(int fd, const void *buf, size_t n);
int getpid(void);
int spawn(const char *name, char *const argv[]);
int wait4(int pid, int *status, int options);
int kill(int pid, int sig);
int reboot(int howto);
void *sbrk(long incr);
void *mmap_anon(size_t len);
int munmap(void *addr, size_t len);
long ps(char *buf, size_t len);
long sysctl(const char *name, char *buf, size_t len);
unsigned long now_ns(void);
int sleep_ns(unsigned long ns);
long devinfo(int which, char *buf, size_t len);
long fsdir(int fs, const char *path, char *buf, size_t len);
long fsread(int fs, const char *path, void *buf, size_t len, unsigned long off);
long diskio(int dev, int op, void *buf, size_t len, unsigned long off);
long netctl(int unit, int op, struct vk_netreq *rq);

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
int snprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);
int parse_ip(const char *s, unsigned *ip);
const char *errstr(long err);
void per_second(char *out, size_t len, unsigned long count, unsigned long ns);

#define WTERMSIG(s) ((s) & 0x7f)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)

#endif
