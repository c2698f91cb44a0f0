/* vkemu guest test helper. */
#include <vktest.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <errno.h>

static int npass, nfail;

static void report(int ok, const char *file, int line, const char *extra,
                   const char *fmt, va_list ap)
{
	char desc[512];
	vsnprintf(desc, sizeof(desc), fmt, ap);
	if (ok) {
		npass++;
		printf("ok - %s\n", desc);
	} else {
		nfail++;
		const char *base = strrchr(file, '/');
		base = base ? base + 1 : file;
		printf("not ok - %s (%s:%d)%s%s\n", desc, base, line,
		       extra[0] ? " " : "", extra);
	}
}

void vkt_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, "", fmt, ap);
	va_end(ap);
}

void vkt_check_eq(long got, long want, const char *file, int line,
                  const char *fmt, ...)
{
	char extra[96];
	snprintf(extra, sizeof(extra), "got %ld (0x%lx), want %ld (0x%lx)", got,
	         got, want, want);
	va_list ap;
	va_start(ap, fmt);
	report(got == want, file, line, extra, fmt, ap);
	va_end(ap);
}

void vkt_check_errno(long ret, int err, int want_err, const char *file, int line,
                     const char *fmt, ...)
{
	char extra[96];
	int ok = ret == -1 && err == want_err;
	snprintf(extra, sizeof(extra), "got ret %ld errno %d, want -1 errno %d", ret,
	         err, want_err);
	va_list ap;
	va_start(ap, fmt);
	report(ok, file, line, extra, fmt, ap);
	va_end(ap);
}

void vkt_note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s\n", buf);
}

int vkt_failed(void)
{
	return nfail;
}

int vkt_done(void)
{
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
