/* vkmini user library: start-up, system calls and a little formatting. */
#include "ulib.h"

int main(int argc, char **argv);

/* The kernel starts us with rdi = &argc (argc, argv..., NULL, envp..., NULL). */
__asm__(".text\n.globl _start\n_start:\n"
        "\txorl %ebp, %ebp\n\tandq $-16, %rsp\n\tcall __ustart\n\thlt\n");

_Noreturn void __ustart(long *ap)
{
	exit(main((int)ap[0], (char **)(ap + 1)));
}

/* Result in rax, or -errno when the kernel set the carry flag. */
long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	unsigned char cf;
	__asm__ volatile("syscall" : "+a"(n), "=@ccc"(cf), "+d"(c), "+r"(r10)
	                 : "D"(a), "S"(b), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return cf ? -n : n;
}

_Noreturn void exit(int status)
{
	for (;;)
		sys(VKSYS_exit, status, 0, 0);
}
long read(int fd, void *buf, size_t n) { return sys(VKSYS_read, fd, buf, n); }
long write(int fd, const void *buf, size_t n) { return sys(VKSYS_write, fd, buf, n); }
int getpid(void) { return (int)sys(VKSYS_getpid, 0, 0, 0); }
int spawn(const char *name, char *const argv[]) { return (int)sys(VKSYS_spawn, name, argv, 0); }
int wait4(int pid, int *status, int options) { return (int)sys(VKSYS_wait4, pid, status, options); }
int kill(int pid, int sig) { return (int)sys(VKSYS_kill, pid, sig, 0); }
int reboot(int howto) { return (int)sys(VKSYS_reboot, howto, 0, 0); }
long ps(char *buf, size_t len) { return sys(VKSYS_ps, buf, len, 0); }
long sysctl(const char *name, char *buf, size_t len) { return sys(VKSYS_sysctl, name, buf, len); }
int munmap(void *addr, size_t len) { return (int)sys(VKSYS_munmap, addr, len, 0); }
long devinfo(int which, char *buf, size_t len) { return sys(VKSYS_devinfo, which, buf, len); }
long netctl(int unit, int op, struct vk_netreq *rq) { return sys(VKSYS_netctl, unit, op, rq); }

long fsdir(int fs, const char *path, char *buf, size_t len)
{
	return __syscall6(VKSYS_fsdir, fs, (long)path, (long)buf, (long)len, 0, 0);
}

long fsread(int fs, const char *path, void *buf, size_t len, unsigned long off)
{
	return __syscall6(VKSYS_fsread, fs, (long)path, (long)buf, (long)len, (long)off, 0);
}

long diskio(int dev, int op, void *buf, size_t len, unsigned long off)
{
	return __syscall6(VKSYS_diskio, dev, op, (long)buf, (long)len, (long)off, 0);
}

unsigned long now_ns(void)
{
	long ts[2];
	sys(VKSYS_clock_gettime, 4 /* CLOCK_MONOTONIC */, ts, 0);
	return (unsigned long)ts[0] * 1000000000UL + (unsigned long)ts[1];
}

int sleep_ns(unsigned long ns)
{
	long ts[2] = { (long)(ns / 1000000000UL), (long)(ns % 1000000000UL) };
	return (int)sys(VKSYS_nanosleep, ts, 0, 0);
}

void *mmap_anon(size_t len)
{
	long r = __syscall6(VKSYS_mmap, 0, (long)len, 3, 0x1000 /* MAP_ANON */, -1, 0);
	return r < 0 ? NULL : (void *)r;
}

void *sbrk(long incr)
{
	long cur = sys(VKSYS_brk, 0, 0, 0);
	if (incr == 0)
		return (void *)cur;
	long r = sys(VKSYS_brk, cur + incr, 0, 0);
	return r < 0 ? (void *)-1 : (void *)cur;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

/* %d %u %x %s %c %p %% with l/ll/z sizes and a field width; no other flags than - and 0. */
int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t o = 0;
#define OUT(ch) do { if (o + 1 < len) buf[o] = (ch); o++; } while (0)
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			OUT(*fmt);
			continue;
		}
		int left = 0, zero = 0, width = 0, lng = 0;
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = 1) : (zero = 1);
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = 1;
		char tmp[24], *s = tmp;
		int n = 0, neg = 0;
		unsigned long v;
		switch (*fmt) {
		case 'd':
			v = lng ? (unsigned long)va_arg(ap, long) : (unsigned long)(long)va_arg(ap, int);
			if ((long)v < 0)
				neg = 1, v = -v;
			goto dec;
		case 'u':
			v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
		dec:
			do tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10); while (v /= 10);
			s = tmp + sizeof(tmp) - n;
			break;
		case 'p':
			lng = 1;
			OUT('0'); OUT('x');
			/* fall through */
		case 'x':
			v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			do tmp[sizeof(tmp) - 1 - n++] = "0123456789abcdef"[v % 16]; while (v /= 16);
			s = tmp + sizeof(tmp) - n;
			break;
		case 's':
			s = va_arg(ap, char *);
			if (!s)
				s = "(null)";
			n = (int)strlen(s);
			break;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			n = 1;
			break;
		default:
			tmp[0] = *fmt;
			n = 1;
			break;
		}
		int pad = width - n - neg;
		if (neg && zero)
			OUT('-');
		while (!left && pad-- > 0)
			OUT(zero ? '0' : ' ');
		if (neg && !zero)
			OUT('-');
		for (int i = 0; i < n; i++)
			OUT(s[i]);
		while (left && pad-- > 0)
			OUT(' ');
		if (!*fmt)
			break;
	}
	if (len)
		buf[o < len ? o : len - 1] = 0;
	return (int)o;
#undef OUT
}

int snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	write(1, buf, (size_t)n);
	return n;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;
	if (base == 0) {
		base = 10;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			base = 16, s += 2;
	}
	for (;; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
		        *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : 99;
		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

int atoi(const char *s)
{
	return (int)strtoul(s, NULL, 10);
}

/* a.b.c.d into network order */
int parse_ip(const char *s, unsigned *ip)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 255 || (i < 3 ? *end != '.' : *end != 0))
			return 0;
		b[i] = (unsigned char)v;
		s = end + 1;
	}
	memcpy(ip, b, 4);
	return 1;
}

/* A message for a DragonFly errno as the system calls return it (negative). */
const char *errstr(long err)
{
	switch (-err) {
	case VK_ENOENT: return "no such file or directory";
	case VK_EIO: return "input/output error";
	case VK_ENXIO: return "no such device";
	case VK_ENOTDIR: return "not a directory";
	case VK_EISDIR: return "is a directory";
	case VK_EINVAL: return "invalid argument";
	case VK_EROFS: return "read-only device";
	case VK_EAGAIN: return "resource temporarily unavailable";
	case VK_ETIMEDOUT: return "timed out";
	case VK_EADDRNOTAVAIL: return "interface has no address";
	case VK_EFAULT: return "bad address";
	default: return "error";
	}
}

/* count per second, with one decimal ("12.3"), from a count and the nanoseconds it took */
void per_second(char *out, size_t len, unsigned long count, unsigned long ns)
{
	unsigned long x10 = count * 100000UL / (ns / 100000UL ? ns / 100000UL : 1);
	snprintf(out, len, "%lu.%lu", x10 / 10, x10 % 10);
}
