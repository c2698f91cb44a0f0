/*
 * Self-test of the guest libc's pure-C parts: printf formatting (expected
 * strings produced by glibc), string functions, number parsing, malloc/
 * realloc/free, qsort, getenv. Almost no system calls beyond output and mmap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <vktest.h>

#define PF(want, ...)                                                         \
	do {                                                                  \
		char b[256];                                                  \
		int n = snprintf(b, sizeof(b), __VA_ARGS__);                  \
		CHECK(strcmp(b, want) == 0 && n == (int)strlen(want),         \
		      "snprintf(%s) = \"%s\" (got \"%s\", %d)", #__VA_ARGS__, \
		      want, b, n);                                            \
	} while (0)

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	PF("0", "%d", 0);
	PF("-42", "%d", -42);
	PF("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
	PF("+7  7", "%+d % d", 7, 7);
	PF("4294967295", "%u", 4294967295u);
	PF("ff FF 0xff 010", "%x %X %#x %#o", 255, 255, 255, 8);
	PF("0000beef", "%08x", 0xbeef);
	PF("123456789abcdef", "%lx", 0x123456789abcdefUL);
	PF("-9223372036854775808", "%ld", -9223372036854775807L - 1);
	PF("18446744073709551615", "%llu", 18446744073709551615ULL);
	PF("12345 -5", "%zu %zd", (size_t)12345, (ptrdiff_t)-5);
	PF("44 4464", "%hhd %hd", (signed char)300, (short)70000);
	PF("ok", "%c%c", 'o', 'k');
	PF("abc|       abc|abc       |abc", "%s|%10s|%-10s|%.3s", "abc", "abc", "abc", "abcdef");
	PF("0x1234", "%p", (void *)0x1234);
	PF("%", "%%");
	PF("007", "%.3d", 7);
	PF("    -007", "%8.3d", -7);
	PF("007     |", "%-8.3d|", 7);
	PF("|", "%.0d|", 0);
	PF("     1|2     ", "%*d|%-*d", 6, 1, 6, 2);
	PF("3.1", "%.1f", 3.14159);
	PF("-2.500", "%.3f", -2.5);
	PF("0.333333", "%f", 1.0/3);
	PF("    3.14|", "%8.2f|", 3.14159);
	PF("-0003.14", "%08.2f", -3.14159);
	PF("0.01", "%.2f", 0.005);
	PF(" 99.5%", "%5.1f%%", 99.5);

	char small[8];
	int n = snprintf(small, sizeof(small), "%s", "0123456789");
	CHECK(n == 10 && strcmp(small, "0123456") == 0, "snprintf truncates and returns the full length");
	CHECK_EQ(snprintf(0, 0, "%d", 12345), 5, "snprintf(NULL, 0) counts");

	/* strings */
	CHECK_EQ(strlen("hello"), 5, "strlen");
	CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0, "strcmp");
	CHECK(strncmp("abcdef", "abcxyz", 3) == 0, "strncmp");
	const char *hello = "hello";
	CHECK(strchr(hello, 'l') == hello + 2 && strchr(hello, 'z') == 0, "strchr");
	CHECK(strrchr(hello, 'l') == hello + 3 && strchr(hello, 0) == hello + 5, "strrchr");
	const char *hs = "the quick brown fox";
	CHECK(strstr(hs, "brown") == hs + 10, "strstr");
	CHECK(strstr(hs, "cat") == 0, "strstr miss");
	char buf[64];
	strcpy(buf, "foo");
	strcat(buf, "bar");
	CHECK(strcmp(buf, "foobar") == 0, "strcpy + strcat");
	memset(buf, 'x', sizeof(buf));
	memcpy(buf + 1, "abcdefghijklmnop", 16);
	CHECK(buf[0] == 'x' && buf[1] == 'a' && buf[16] == 'p' && buf[17] == 'x', "memcpy unaligned");
	memmove(buf + 3, buf + 1, 10);
	CHECK(memcmp(buf + 3, "abcdefghij", 10) == 0, "memmove overlapping forward");
	memmove(buf + 1, buf + 3, 10);
	CHECK(memcmp(buf + 1, "abcdefghij", 10) == 0, "memmove overlapping backward");
	char *d = strdup("duplicate");
	CHECK(d && strcmp(d, "duplicate") == 0, "strdup");
	free(d);
	CHECK(strcmp(strerror(ENOENT), "No such file or directory") == 0, "strerror(ENOENT)");
	CHECK(strcmp(strerror(EAGAIN), "Resource temporarily unavailable") == 0, "strerror(35)");

	/* numbers */
	CHECK_EQ(strtol("  -1234xyz", 0, 10), -1234, "strtol decimal");
	CHECK_EQ(strtol("0x7fff", 0, 0), 0x7fff, "strtol base 0 hex");
	CHECK_EQ(strtol("0755", 0, 0), 0755, "strtol base 0 octal");
	CHECK_EQ(strtoul("ffffffff", 0, 16), 0xffffffffUL, "strtoul hex");
	char *end;
	strtol("42abc", &end, 10);
	CHECK(*end == 'a', "strtol end pointer");
	errno = 0;
	CHECK(strtoll("99999999999999999999", 0, 10) == 0x7fffffffffffffffLL && errno == ERANGE,
	      "strtoll overflow -> LLONG_MAX, ERANGE");
	CHECK_EQ(atoi("123"), 123, "atoi");

	/* malloc */
	int ok = 1;
	void *ptrs[200];
	for (int i = 0; i < 200; i++) {
		size_t sz = (size_t)(i * 37 % 5000) + 1;
		ptrs[i] = malloc(sz);
		if (!ptrs[i] || ((uintptr_t)ptrs[i] & 15))
			ok = 0;
		else
			memset(ptrs[i], i & 0xff, sz);
	}
	for (int i = 0; i < 200; i++) {
		size_t sz = (size_t)(i * 37 % 5000) + 1;
		unsigned char *p = ptrs[i];
		if (p[0] != (i & 0xff) || p[sz - 1] != (i & 0xff))
			ok = 0;
	}
	for (int i = 0; i < 200; i += 2)
		free(ptrs[i]);
	for (int i = 0; i < 200; i += 2)
		ptrs[i] = malloc(64);
	for (int i = 0; i < 200; i++)
		free(ptrs[i]);
	CHECK(ok, "200 mixed-size allocations are 16-aligned and independent");
	char *big = malloc(10 << 20);
	CHECK(big != 0, "malloc 10 MiB");
	big[0] = 1;
	big[(10 << 20) - 1] = 2;
	free(big);
	int *z = calloc(1000, sizeof(int));
	int allz = 1;
	for (int i = 0; i < 1000; i++)
		if (z[i])
			allz = 0;
	CHECK(z && allz, "calloc zeroes");
	z[999] = 7;
	int *z2 = realloc(z, 100000 * sizeof(int));
	CHECK(z2 && z2[999] == 7, "realloc keeps the data");
	free(z2);

	int arr[] = { 5, 3, 9, 1, 7, 2, 8, 6, 4, 0 };
	qsort(arr, 10, sizeof(int), cmp_int);
	int sorted = 1;
	for (int i = 0; i < 10; i++)
		if (arr[i] != i)
			sorted = 0;
	CHECK(sorted, "qsort");
	CHECK(getenv("VKEMU_SURELY_NOT_SET_XYZ") == 0, "getenv of a missing name");
	return vkt_done();
}
