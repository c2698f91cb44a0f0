/* vkemu guest libc: exit handling, environment, number parsing, misc. */
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#define ATEXIT_MAX 32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_n;

int atexit(void (*fn)(void))
{
	if (atexit_n >= ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_n++] = fn;
	return 0;
}

_Noreturn void exit(int status)
{
	while (atexit_n > 0)
		atexit_fns[--atexit_n]();
	_exit(status);
}

_Noreturn void abort(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = SIG_DFL;
	sigaction(SIGABRT, &sa, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	raise(SIGABRT);
	kill(getpid(), SIGABRT);
	_exit(128 + SIGABRT);
}

char *getenv(const char *name)
{
	size_t n = strlen(name);
	if (!environ)
		return 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return 0;
}

static int digit_val(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'z') return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
	return 99;
}

/* Shared parser: magnitude in *mag, returns sign (-1/1); sets *end. */
static int parse_num(const char *s, char **end, int base, unsigned long long *mag,
                     int *overflow)
{
	const char *p = s;
	int sign = 1;
	*mag = 0;
	*overflow = 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_val(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	const char *start = p;
	for (; digit_val(*p) < base; p++) {
		unsigned long long nv = *mag * (unsigned)base + (unsigned)digit_val(*p);
		if (nv / (unsigned)base != *mag || nv < *mag)
			*overflow = 1;
		*mag = nv;
	}
	if (end)
		*end = (char *)(p == start ? s : p);
	return sign;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	unsigned long long m;
	int of;
	int sign = parse_num(s, end, base, &m, &of);
	if (of) {
		errno = ERANGE;
		return ~0ULL;
	}
	return sign < 0 ? 0 - m : m;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}

long long strtoll(const char *s, char **end, int base)
{
	unsigned long long m;
	int of;
	int sign = parse_num(s, end, base, &m, &of);
	if (sign > 0 && (of || m > 0x7fffffffffffffffULL)) {
		errno = ERANGE;
		return 0x7fffffffffffffffLL;
	}
	if (sign < 0 && (of || m > 0x8000000000000000ULL)) {
		errno = ERANGE;
		return (long long)0x8000000000000000ULL;
	}
	return sign < 0 ? (long long)(0 - m) : (long long)m;
}

long strtol(const char *s, char **end, int base)
{
	return (long)strtoll(s, end, base);
}

int atoi(const char *s) { return (int)strtol(s, 0, 10); }
long atol(const char *s) { return strtol(s, 0, 10); }
int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }

static unsigned long rand_state = 1;

int rand(void)
{
	rand_state = rand_state * 6364136223846793005UL + 1442695040888963407UL;
	return (int)((rand_state >> 33) & RAND_MAX);
}

void srand(unsigned seed) { rand_state = seed; }

static void swap_bytes(char *a, char *b, size_t n)
{
	while (n--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Shell sort: small and good enough for test programs. */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;
	for (size_t gap = n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < n; i++)
			for (size_t j = i; j >= gap &&
			     cmp(b + (j - gap) * size, b + j * size) > 0; j -= gap)
				swap_bytes(b + (j - gap) * size, b + j * size, size);
}
