/* vkemu guest test helper: TAP-like "ok - ..." / "not ok - ... (file:line)" lines
 * and a final "N passed, M failed" summary. */
#ifndef _VK_VKTEST_H
#define _VK_VKTEST_H

void vkt_check(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void vkt_check_eq(long got, long want, const char *file, int line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void vkt_check_errno(long ret, int err, int want_err, const char *file, int line,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void vkt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the summary; returns the exit status (0 iff nothing failed). */
int vkt_done(void);
int vkt_failed(void);

/* CHECK(cond, "printf-style description", ...) */
#define CHECK(cond, ...) vkt_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* CHECK_EQ(got, want, "description", ...) prints both values on failure. */
#define CHECK_EQ(got, want, ...) \
	vkt_check_eq((long)(got), (long)(want), __FILE__, __LINE__, __VA_ARGS__)
/* CHECK_ERRNO(expr, E, "description"): expr must return -1 (or MAP_FAILED)
 * with errno == E. */
#define CHECK_ERRNO(expr, want_err, ...)                                     \
	do {                                                                 \
		errno = 0;                                                   \
		long __vkt_r = (long)(expr);                                 \
		int __vkt_e = errno;                                         \
		vkt_check_errno(__vkt_r, __vkt_e, (want_err), __FILE__,      \
		                __LINE__, __VA_ARGS__);                      \
	} while (0)

#endif
