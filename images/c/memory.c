/*
 * Memory management: anonymous private/shared mappings, MAP_FIXED replacement,
 * MAP_TRYFIXED refusing to replace (ENOMEM), DragonFly's "neither PRIVATE nor
 * SHARED means private", invalid arguments, SIGSEGV reporting for unmapped,
 * read-only and PROT_NONE pages (si_addr, si_code, mc_trapno = T_PAGEFLT,
 * mc_addr, mc_err bits) with both recovery styles, file-backed mappings,
 * a sparse 64 MiB demand-zero region, and code written to an executable
 * mapping (including rewriting it).
 * Usage: memory [scratch-dir]
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <vktest.h>
#include "traputil.h"

#define PG 4096UL

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void test_anon(void)
{
	unsigned char *p = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(p != MAP_FAILED, "mmap anon private 3 pages");
	CHECK(((uintptr_t)p & (PG - 1)) == 0, "result is page aligned (%p)", p);
	CHECK(all_bytes(p, 3 * PG, 0), "fresh anonymous memory is zero");
	memset(p, 0xAA, 3 * PG);
	CHECK(all_bytes(p, 3 * PG, 0xAA), "memory is writable");

	/* MAP_FIXED replaces the middle page */
	void *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_FIXED, -1, 0);
	CHECK(q == p + PG, "MAP_FIXED returns exactly the requested address");
	CHECK(all_bytes(p + PG, PG, 0), "MAP_FIXED replaced the page with zeros");
	CHECK(all_bytes(p, PG, 0xAA) && all_bytes(p + 2 * PG, PG, 0xAA),
	      "neighbouring pages untouched by MAP_FIXED");

	/* MAP_TRYFIXED never replaces */
	memset(p + PG, 0x55, PG);
	errno = 0;
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_TRYFIXED, -1, 0);
	CHECK(q == MAP_FAILED && errno == ENOMEM,
	      "MAP_TRYFIXED over a mapping fails with ENOMEM (12) (got %p errno %d)", q, errno);
	errno = 0;
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
	         MAP_ANON | MAP_PRIVATE | MAP_TRYFIXED | MAP_FIXED, -1, 0);
	CHECK(q == MAP_FAILED && errno == ENOMEM,
	      "MAP_TRYFIXED|MAP_FIXED over a mapping fails with ENOMEM (got %p errno %d)", q, errno);
	CHECK(all_bytes(p + PG, PG, 0x55), "the existing page kept its contents");

	/* MAP_TRYFIXED on a hole lands exactly there */
	CHECK_EQ(munmap(p + PG, PG), 0, "munmap the middle page");
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_TRYFIXED, -1, 0);
	CHECK(q == p + PG, "MAP_TRYFIXED (no PRIVATE/SHARED) into a hole gives that address");
	CHECK(q != MAP_FAILED && all_bytes(q, PG, 0), "... and fresh zero memory");
	munmap(p, 3 * PG);

	/* DragonFly: MAP_ANON alone is private */
	unsigned char *r = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_ANON, -1, 0);
	CHECK(r != MAP_FAILED, "MAP_ANON without PRIVATE/SHARED is accepted");
	if (r != MAP_FAILED) {
		r[100] = 7;
		CHECK(r[100] == 7, "and usable");
		munmap(r, PG);
	}
	unsigned char *s = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_SHARED, -1, 0);
	CHECK(s != MAP_FAILED, "mmap anon shared");
	if (s != MAP_FAILED) {
		s[PG + 1] = 9;
		CHECK(s[PG + 1] == 9 && s[0] == 0, "anon shared memory works");
		munmap(s, 2 * PG);
	}

	/* a hint without FIXED is honoured as a lower bound when free */
	void *hint = (void *)0x200000000000UL;
	q = mmap(hint, PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(q != MAP_FAILED, "mmap with a hint");
	vkt_note("hint %p -> %p", hint, q);
	if (q != MAP_FAILED)
		munmap(q, PG);

	CHECK_ERRNO((long)mmap(0, 0, PROT_READ, MAP_ANON | MAP_PRIVATE, -1, 0), EINVAL,
	            "mmap len 0 -> EINVAL (22)");
	CHECK_ERRNO((long)mmap(0, PG, PROT_READ, MAP_ANON | MAP_PRIVATE, 0, 0), EINVAL,
	            "MAP_ANON with fd != -1 -> EINVAL");
	CHECK_ERRNO((long)mmap(0, PG, PROT_READ, MAP_ANON | MAP_PRIVATE, -1, PG), EINVAL,
	            "MAP_ANON with offset != 0 -> EINVAL");
	CHECK_ERRNO((long)mmap((void *)0x10001000UL + 1, PG, PROT_READ,
	                       MAP_ANON | MAP_PRIVATE | MAP_TRYFIXED, -1, 0),
	            EINVAL, "MAP_TRYFIXED at an unaligned address -> EINVAL");

	/* the direct 7-argument form of syscall 197 (pad in r9, pos on the stack) */
	long d = __dfly_mmap_direct(0, PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(d > 0 && (d & (PG - 1)) == 0, "mmap as direct syscall 197 with a stack argument");
	if (d > 0)
		munmap((void *)d, PG);
}

static void test_faults(void)
{
	trap_install(SIGSEGV);
	trap_install(SIGBUS);

	/* unmapped page */
	unsigned char *p = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	p[0] = 1;
	p[PG] = 2;
	munmap(p + PG, PG);
	trap_reset();
	int v = probe_read(p + PG + 16, -1);
	CHECK_EQ(trap.count, 1, "read of an unmapped page raises one signal");
	CHECK_EQ(trap.sig, SIGSEGV, "signal is SIGSEGV (11)");
	CHECK_EQ(trap.si_signo, SIGSEGV, "si_signo = SIGSEGV");
	CHECK_EQ(trap.code, SEGV_MAPERR, "si_code = SEGV_MAPERR (1)");
	CHECK_EQ((long)trap.si_addr, (long)(p + PG + 16), "si_addr = faulting address");
	CHECK_EQ(trap.trapno, T_PAGEFLT, "mc_trapno = T_PAGEFLT (12)");
	CHECK_EQ(trap.mcaddr, (long)(p + PG + 16), "mc_addr = faulting address");
	CHECK_EQ(trap.err & PGEX_W, 0, "mc_err: no write bit for a read");
	CHECK_EQ(trap.err & PGEX_U, PGEX_U, "mc_err: user bit (4) set");
	CHECK_EQ(trap.rip, (long)fault_ip, "mc_rip = the faulting instruction");
	CHECK_EQ(v, -1, "load was skipped by moving mc_rip");
	CHECK_EQ(trap.len, sizeof(mcontext_t), "mc_len = 1280");
	CHECK(p[0] == 1, "the still-mapped page is intact");

	trap_reset();
	probe_write(p + PG + 8, 3);
	CHECK_EQ(trap.count, 1, "write to an unmapped page raises a signal");
	CHECK_EQ(trap.err & PGEX_W, PGEX_W, "mc_err: write bit (2) set");
	CHECK_EQ(trap.code, SEGV_MAPERR, "si_code = SEGV_MAPERR");
	munmap(p, PG);

	/* read-only page, skip the write */
	unsigned char *ro = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	ro[5] = 42;
	CHECK_EQ(mprotect(ro, PG, PROT_READ), 0, "mprotect PROT_READ");
	CHECK_EQ(ro[5], 42, "read-only page still readable");
	trap_reset();
	probe_write(ro + 5, 43);
	CHECK_EQ(trap.count, 1, "write to a read-only page raises a signal");
	CHECK_EQ(trap.sig, SIGSEGV, "signal is SIGSEGV");
	CHECK_EQ(trap.code, SEGV_ACCERR, "si_code = SEGV_ACCERR (2)");
	CHECK_EQ((long)trap.si_addr, (long)(ro + 5), "si_addr = faulting address");
	CHECK_EQ(trap.trapno, T_PAGEFLT, "mc_trapno = T_PAGEFLT (12)");
	CHECK_EQ(trap.err & (PGEX_W | PGEX_P), PGEX_W | PGEX_P,
	         "mc_err has write (2) and present (1) bits");
	CHECK_EQ(ro[5], 42, "skipped write left memory unchanged");

	/* read-only page, fix it in the handler and re-execute */
	trap_reset();
	trap_mode = TRAP_FIX_RW;
	fix_page = ro;
	probe_write(ro + 5, 44);
	CHECK_EQ(trap.count, 1, "handler ran once, then the write was retried");
	CHECK_EQ(ro[5], 44, "retried write succeeded after mprotect in the handler");
	munmap(ro, PG);

	/* PROT_NONE */
	unsigned char *none = mmap(0, PG, PROT_NONE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(none != MAP_FAILED, "mmap PROT_NONE");
	trap_reset();
	v = probe_read(none + 100, -7);
	CHECK_EQ(trap.count, 1, "read of a PROT_NONE page raises a signal");
	CHECK_EQ(trap.code, SEGV_ACCERR, "si_code = SEGV_ACCERR");
	CHECK_EQ(trap.mcaddr, (long)(none + 100), "mc_addr = faulting address");
	CHECK_EQ(v, -7, "load skipped");
	CHECK_EQ(mprotect(none, PG, PROT_READ | PROT_WRITE), 0, "mprotect PROT_NONE -> RW");
	trap_reset();
	none[100] = 1;
	CHECK(trap.count == 0 && none[100] == 1, "page usable after mprotect");
	munmap(none, PG);

	/* NULL page */
	trap_reset();
	v = probe_read((void *)8, -3);
	CHECK_EQ(trap.count, 1, "read of address 8 raises a signal");
	CHECK_EQ(trap.mcaddr, 8, "mc_addr = 8");
}

static void test_file_mapping(const char *dir)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/vkemu-mmap-%d", dir, getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "create file for mapping");
	static unsigned char data[2 * 4096 + 100];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	CHECK_EQ(write(fd, data, sizeof(data)), sizeof(data), "write file contents");

	unsigned char *m = mmap(0, sizeof(data), PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap file PROT_READ MAP_SHARED");
	if (m != MAP_FAILED) {
		CHECK(memcmp(m, data, sizeof(data)) == 0, "mapping shows the file contents");
		CHECK(all_bytes(m + sizeof(data), 3 * PG - sizeof(data), 0),
		      "tail of the last page past EOF reads as zero");
		munmap(m, sizeof(data));
	}
	m = mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, PG);
	CHECK(m != MAP_FAILED && memcmp(m, data + PG, PG) == 0, "mmap with file offset 4096");
	if (m != MAP_FAILED)
		munmap(m, PG);

	m = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap file MAP_PRIVATE RW");
	if (m != MAP_FAILED) {
		m[0] = 0xEE;
		CHECK(m[0] == 0xEE, "private mapping writable");
		munmap(m, PG);
		unsigned char b = 0;
		pread(fd, &b, 1, 0);
		CHECK_EQ(b, data[0], "private write did not reach the file");
	}
	m = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap file MAP_SHARED RW");
	if (m != MAP_FAILED) {
		m[1] = 0xDD;
		munmap(m, PG);
		unsigned char b = 0;
		pread(fd, &b, 1, 1);
		CHECK_EQ(b, 0xDD, "shared write reached the file");
	}
	CHECK_ERRNO((long)mmap(0, PG, PROT_READ, MAP_SHARED, 987, 0), EBADF,
	            "mmap of a bad fd -> EBADF (9)");
	close(fd);
	unlink(path);
}

static void test_big_region(void)
{
	size_t len = 64UL << 20;
	unsigned char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 64 MiB");
	if (p == MAP_FAILED)
		return;
	int zero = 1;
	for (size_t off = 0; off < len; off += 64 * 1024)
		if (p[off + (off / 4096) % 4096] != 0)
			zero = 0;
	CHECK(zero, "sparse reads of 64 MiB are zero");
	for (size_t off = 0; off < len; off += 64 * 1024)
		p[off + 17] = (unsigned char)(off >> 16);
	int ok = 1;
	for (size_t off = 0; off < len; off += 64 * 1024)
		if (p[off + 17] != (unsigned char)(off >> 16) || p[off + 18] != 0)
			ok = 0;
	CHECK(ok, "sparse writes across 64 MiB read back");
	p[len - 1] = 0x5A;
	CHECK(p[len - 1] == 0x5A, "last byte of the region");
	CHECK_EQ(munmap(p, len), 0, "munmap 64 MiB");
}

typedef int (*fn_t)(void);

static void test_exec(void)
{
	unsigned char *code = mmap(0, PG, PROT_READ | PROT_WRITE | PROT_EXEC,
	                           MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(code != MAP_FAILED, "mmap RWX page");
	if (code == MAP_FAILED)
		return;
	/* mov $42, %eax ; ret */
	unsigned char prog[] = { 0xB8, 42, 0, 0, 0, 0xC3 };
	memcpy(code, prog, sizeof(prog));
	fn_t f = (fn_t)(uintptr_t)code;
	CHECK_EQ(f(), 42, "code written to an executable mapping runs");
	code[1] = 43;
	CHECK_EQ(f(), 43, "rewritten code runs with the new value");
	CHECK_EQ(mprotect(code, PG, PROT_READ | PROT_EXEC), 0, "mprotect R+X");
	CHECK_EQ(f(), 43, "still runs after mprotect R+X");
	munmap(code, PG);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	test_anon();
	test_faults();
	test_file_mapping(dir);
	test_big_region();
	test_exec();
	return vkt_done();
}
