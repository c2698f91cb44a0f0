/* vkemu guest libc: printf family and minimal stdio. Output to a descriptor
 * is collected in a small buffer and written once per call (or when full). */
#include "internal.h"
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

static FILE f_in = { 0 }, f_out = { 1 }, f_err = { 2 };
FILE *stdin = &f_in, *stdout = &f_out, *stderr = &f_err;

struct out {
	char *buf;
	size_t cap;
	size_t len;
	size_t total;
	int fd;		/* -1: string sink */
	int err;
};

static void out_flush(struct out *o)
{
	size_t off = 0;
	while (off < o->len) {
		long r = __dfly_sc3(SYS_write, o->fd, o->buf + off, o->len - off);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			o->err = 1;
			break;
		}
		off += (size_t)r;
	}
	o->len = 0;
}

static void put(struct out *o, const char *s, size_t n)
{
	o->total += n;
	while (n) {
		size_t room;
		if (o->fd >= 0) {
			if (o->len == o->cap)
				out_flush(o);
			room = o->cap - o->len;
		} else {
			if (o->cap == 0 || o->len + 1 >= o->cap)
				return;
			room = o->cap - 1 - o->len;
		}
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static void pad(struct out *o, char c, int n)
{
	char tmp[32];
	memset(tmp, c, sizeof(tmp));
	while (n > 0) {
		int k = n < 32 ? n : 32;
		put(o, tmp, (size_t)k);
		n -= k;
	}
}

enum { F_MINUS = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

/* Emit prefix + digits with width/precision/zero-padding rules. */
static void emit_num(struct out *o, const char *prefix, const char *digits,
                     int ndig, int flags, int width, int prec)
{
	int plen = (int)strlen(prefix);
	int zeros = prec > ndig ? prec - ndig : 0;
	int body = plen + zeros + ndig;
	int fill = width > body ? width - body : 0;
	if (!(flags & F_MINUS) && (!(flags & F_ZERO) || prec >= 0)) {
		pad(o, ' ', fill);
		fill = 0;
	}
	put(o, prefix, (size_t)plen);
	if (!(flags & F_MINUS) && fill) {	/* zero padding */
		pad(o, '0', fill);
		fill = 0;
	}
	pad(o, '0', zeros);
	put(o, digits, (size_t)ndig);
	pad(o, ' ', fill);
}

static int utoa(unsigned long long v, unsigned base, int upper, char *end)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		*--end = dig[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

static void emit_double(struct out *o, double v, int flags, int width, int prec)
{
	char buf[80];
	char *end = buf + sizeof(buf);
	char *p = end;
	const char *prefix = "";
	if (prec < 0)
		prec = 6;
	if (prec > 17)
		prec = 17;
	if (v != v) {
		emit_num(o, "", "nan", 3, flags & ~F_ZERO, width, -1);
		return;
	}
	if (v < 0 || (v == 0 && 1 / v < 0)) {
		prefix = "-";
		v = -v;
	} else if (flags & F_PLUS) {
		prefix = "+";
	} else if (flags & F_SPACE) {
		prefix = " ";
	}
	if (v > 1.8e19) {
		char pre[2] = { prefix[0], 0 };
		emit_num(o, pre, v == v * 2 ? "inf" : "big", 3, flags & ~F_ZERO,
		         width, -1);
		return;
	}
	unsigned long long scale = 1;
	for (int i = 0; i < prec; i++)
		scale *= 10;
	unsigned long long ip = (unsigned long long)v;
	double frac = v - (double)ip;
	unsigned long long fp = (unsigned long long)(frac * (double)scale + 0.5);
	if (fp >= scale) {
		ip++;
		fp -= scale;
	}
	if (prec > 0) {
		int n = utoa(fp, 10, 0, p);
		p -= n;
		while (n < prec) {
			*--p = '0';
			n++;
		}
		*--p = '.';
	} else if (flags & F_ALT) {
		*--p = '.';
	}
	p -= utoa(ip, 10, 0, p);
	emit_num(o, prefix, p, (int)(end - p), flags, width, -1);
}

static void vformat(struct out *o, const char *fmt, va_list ap)
{
	while (*fmt) {
		if (*fmt != '%') {
			const char *s = fmt;
			while (*fmt && *fmt != '%')
				fmt++;
			put(o, s, (size_t)(fmt - s));
			continue;
		}
		fmt++;
		int flags = 0, width = 0, prec = -1;
		for (;; fmt++) {
			if (*fmt == '-') flags |= F_MINUS;
			else if (*fmt == '0') flags |= F_ZERO;
			else if (*fmt == '+') flags |= F_PLUS;
			else if (*fmt == ' ') flags |= F_SPACE;
			else if (*fmt == '#') flags |= F_ALT;
			else break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_MINUS;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		int lng = 0;	/* 0 int, 1 long, 2 long long, -1 short, -2 char */
		for (;; fmt++) {
			if (*fmt == 'l') lng = lng == 1 ? 2 : 1;
			else if (*fmt == 'h') lng = lng == -1 ? -2 : -1;
			else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't' || *fmt == 'q') lng = 2;
			else if (*fmt == 'L') lng = 2;
			else break;
		}
		char c = *fmt;
		if (!c)
			break;
		fmt++;
		char buf[72];
		char *end = buf + sizeof(buf);
		switch (c) {
		case 'd':
		case 'i': {
			long long v;
			if (lng >= 2) v = va_arg(ap, long long);
			else if (lng == 1) v = va_arg(ap, long);
			else v = va_arg(ap, int);
			if (lng == -1) v = (short)v;
			if (lng == -2) v = (signed char)v;
			const char *prefix = "";
			unsigned long long u = (unsigned long long)v;
			if (v < 0) {
				prefix = "-";
				u = 0 - u;
			} else if (flags & F_PLUS) {
				prefix = "+";
			} else if (flags & F_SPACE) {
				prefix = " ";
			}
			int n = (prec == 0 && u == 0) ? 0 : utoa(u, 10, 0, end);
			emit_num(o, prefix, end - n, n, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
		case 'p': {
			unsigned long long u;
			const char *prefix = "";
			unsigned base = c == 'o' ? 8 : c == 'u' ? 10 : 16;
			if (c == 'p') {
				u = (uintptr_t)va_arg(ap, void *);
				prefix = "0x";
			} else {
				if (lng >= 2) u = va_arg(ap, unsigned long long);
				else if (lng == 1) u = va_arg(ap, unsigned long);
				else u = va_arg(ap, unsigned int);
				if (lng == -1) u = (unsigned short)u;
				if (lng == -2) u = (unsigned char)u;
				if ((flags & F_ALT) && u != 0)
					prefix = c == 'x' ? "0x" : c == 'X' ? "0X" : c == 'o' ? "0" : "";
			}
			int n = (prec == 0 && u == 0) ? 0 : utoa(u, base, c == 'X', end);
			emit_num(o, prefix, end - n, n, flags, width, prec);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			emit_num(o, "", &ch, 1, flags & ~F_ZERO, width, -1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = (int)(prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
			emit_num(o, "", s, n, flags & ~F_ZERO, width, -1);
			break;
		}
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G':
			emit_double(o, va_arg(ap, double), flags, width, prec);
			break;
		case '%':
			put(o, "%", 1);
			break;
		case 'n':
			*va_arg(ap, int *) = (int)o->total;
			break;
		default:	/* unknown: print verbatim */
			put(o, "%", 1);
			put(o, &c, 1);
			break;
		}
	}
}

int vdprintf(int fd, const char *restrict fmt, va_list ap)
{
	char buf[512];
	struct out o = { buf, sizeof(buf), 0, 0, fd, 0 };
	vformat(&o, fmt, ap);
	out_flush(&o);
	return o.err ? -1 : (int)o.total;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
	struct out o = { buf, size, 0, 0, -1, 0 };
	vformat(&o, fmt, ap);
	if (size)
		buf[o.len] = 0;
	return (int)o.total;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)1 << 30, fmt, ap);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	return vdprintf(f->fd, fmt, ap);
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vdprintf(1, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdprintf(1, fmt, ap);
	va_end(ap);
	return r;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdprintf(f->fd, fmt, ap);
	va_end(ap);
	return r;
}

int dprintf(int fd, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		long r = __dfly_sc3(SYS_write, fd, s, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

int fputs(const char *restrict s, FILE *restrict f)
{
	return write_all(f->fd, s, strlen(s)) < 0 ? EOF : 0;
}

int puts(const char *s)
{
	return printf("%s\n", s) < 0 ? EOF : 0;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;
	return write_all(f->fd, &ch, 1) < 0 ? EOF : (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	if (size == 0 || n == 0)
		return 0;
	return write_all(f->fd, p, size * n) < 0 ? 0 : n;
}

int fflush(FILE *f)
{
	(void)f;
	return 0;
}

int fileno(FILE *f) { return f->fd; }

void perror(const char *s)
{
	int e = errno;
	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, strerror(e));
	else
		fprintf(stderr, "%s\n", strerror(e));
}

int remove(const char *path)
{
	if (unlink(path) == 0)
		return 0;
	if (errno == EISDIR || errno == EPERM)
		return rmdir(path);
	return -1;
}
