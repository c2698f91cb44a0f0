/*
 * The raw system-call convention (ABI notes 7.1): carry flag and positive
 * errno, registers preserved across `syscall` (rbx, rbp, rsp, r12-r15 and also
 * rdi, rsi, r8, r9; rdx for one-result calls), the indirect entries 0 and 198,
 * stack arguments, and SIGSYS + EINVAL for an unknown number.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <vktest.h>

static long regs[12];

__attribute__((noinline)) static void preserved_regs(long nr)
{
	regs[11] = nr;	/* a static location: addressable while rsp moves */
	/* load known values, make the call, store what survived */
	__asm__ volatile(
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %%rax\n\t"		/* &regs */
		"mov %[nr], %%rax\n\t"
		"mov $0x1111, %%rbx\n\t"
		"mov $0x2222, %%rbp\n\t"
		"mov $0x3333, %%r12\n\t"
		"mov $0x4444, %%r13\n\t"
		"mov $0x5555, %%r14\n\t"
		"mov $0x6666, %%r15\n\t"
		"mov $0x7777, %%rdi\n\t"
		"mov $0x8888, %%rsi\n\t"
		"mov $0x9999, %%r8\n\t"
		"mov $0xaaaa, %%r9\n\t"
		"mov $0xbbbb, %%rdx\n\t"
		"mov %%rsp, %%rcx\n\t"		/* compare rsp afterwards */
		"push %%rcx\n\t"
		"syscall\n\t"
		"pop %%rcx\n\t"
		"sub %%rsp, %%rcx\n\t"		/* 0 if rsp survived */
		"mov (%%rsp), %%rax\n\t"	/* &regs */
		"mov %%rbx, 0(%%rax)\n\t"
		"mov %%rbp, 8(%%rax)\n\t"
		"mov %%r12, 16(%%rax)\n\t"
		"mov %%r13, 24(%%rax)\n\t"
		"mov %%r14, 32(%%rax)\n\t"
		"mov %%r15, 40(%%rax)\n\t"
		"mov %%rdi, 48(%%rax)\n\t"
		"mov %%rsi, 56(%%rax)\n\t"
		"mov %%r8, 64(%%rax)\n\t"
		"mov %%r9, 72(%%rax)\n\t"
		"mov %%rdx, 80(%%rax)\n\t"
		"mov %%rcx, 88(%%rax)\n\t"
		"pop %%rax\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		:
		: "a"(regs), [nr] "m"(regs[11])
		: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static volatile int sigsys_hits;

static void on_sigsys(int sig)
{
	sigsys_hits++;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	/* success: CF clear, value in rax */
	long rax = SYS_getpid;
	unsigned char cf = 1;
	__asm__ volatile("syscall" : "+a"(rax), "=@ccc"(cf) : : "rcx", "r11", "rdx", "memory");
	CHECK_EQ(cf, 0, "successful syscall clears CF");
	CHECK_EQ(rax, getpid(), "result in rax");

	/* failure: CF set, positive errno in rax */
	rax = SYS_close;
	cf = 0;
	__asm__ volatile("syscall" : "+a"(rax), "=@ccc"(cf) : "D"(-1L) : "rcx", "r11", "rdx", "memory");
	CHECK_EQ(cf, 1, "failing syscall sets CF");
	CHECK_EQ(rax, EBADF, "rax holds the positive errno (EBADF = 9)");

	preserved_regs(SYS_getpid);
	CHECK(regs[0] == 0x1111 && regs[1] == 0x2222, "rbx and rbp preserved");
	CHECK(regs[2] == 0x3333 && regs[3] == 0x4444 && regs[4] == 0x5555 && regs[5] == 0x6666,
	      "r12-r15 preserved");
	CHECK(regs[6] == 0x7777 && regs[7] == 0x8888, "rdi and rsi preserved");
	CHECK(regs[8] == 0x9999 && regs[9] == 0xaaaa, "r8 and r9 preserved");
	CHECK_EQ(regs[10], 0xbbbb, "rdx preserved by a one-result call (getpid)");
	CHECK_EQ(regs[11], 0, "rsp preserved");
	preserved_regs(SYS_close);	/* error path: close(0x7777) */
	CHECK(regs[0] == 0x1111 && regs[2] == 0x3333 && regs[6] == 0x7777 && regs[9] == 0xaaaa,
	      "registers preserved on the error path too");
	CHECK_EQ(regs[10], 0xbbbb, "rdx preserved on the error path");

	/* indirect entries */
	CHECK_EQ(__dfly_syscall0(SYS_getpid, 0, 0, 0, 0, 0, 0, 0), getpid(),
	         "syscall(0) with the number in rdi");
	CHECK_EQ(__dfly_syscall198(SYS_getpid, 0, 0, 0, 0, 0, 0, 0), getpid(),
	         "__syscall(198) with the number in rdi");
	const char msg[] = "# written through __syscall(198, SYS_write, ...)\n";
	CHECK_EQ(__dfly_syscall198(SYS_write, 1, (long)msg, sizeof(msg) - 1, 0, 0, 0, 0),
	         sizeof(msg) - 1, "__syscall(198) write with shifted arguments");
	CHECK_EQ(__dfly_syscall198(SYS_close, -1, 0, 0, 0, 0, 0, 0), -EBADF,
	         "__syscall(198) error path returns the errno");

	/* 7-argument mmap through both indirect entries (pad and pos on the stack) */
	long m1 = __dfly_syscall198(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE,
	                            MAP_ANON | MAP_PRIVATE, -1, 0, 0);
	CHECK(m1 > 0 && (m1 & 4095) == 0, "mmap through __syscall(198) (0x%lx)", m1);
	long m2 = __dfly_syscall0(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE,
	                          MAP_ANON | MAP_PRIVATE, -1, 0, 0);
	CHECK(m2 > 0 && (m2 & 4095) == 0, "mmap through syscall(0) (0x%lx)", m2);
	long m3 = __dfly_mmap_direct(0, 8192, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	CHECK(m3 > 0 && (m3 & 4095) == 0, "direct mmap (197) with pos at [rsp+8] (0x%lx)", m3);
	char path[600];
	snprintf(path, sizeof(path), "%s/vkemu-abi-%d", dir, getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		static char page[8192];
		memset(page, 'a', 4096);
		memset(page + 4096, 'b', 4096);
		write(fd, page, sizeof(page));
		long m4 = __dfly_syscall198(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, fd, 0, 4096);
		CHECK(m4 > 0 && *(char *)m4 == 'b', "mmap file offset passed as the 7th argument");
		long m5 = __dfly_mmap_direct(0, 4096, PROT_READ, MAP_SHARED, fd, 4096);
		CHECK(m5 > 0 && *(char *)m5 == 'b', "direct mmap: file offset taken from the stack");
		/* lseek (199: fd, pad, offset, whence) directly and indirectly */
		long r = __dfly_sc4(SYS_lseek, fd, 0, 100, SEEK_SET);
		CHECK_EQ(r, 100, "direct lseek(fd, pad, 100, SEEK_SET)");
		r = __dfly_syscall198(SYS_lseek, fd, 0, 0x123456789L, SEEK_SET, 0, 0, 0);
		CHECK_EQ(r, 0x123456789L, "__syscall lseek returns a 64-bit offset");
		r = __dfly_syscall198(SYS_ftruncate, fd, 0, 5000, 0, 0, 0, 0);
		CHECK_EQ(r, 0, "__syscall ftruncate(fd, pad, 5000)");
		CHECK_EQ(lseek(fd, 0, SEEK_END), 5000, "file is 5000 bytes");
		close(fd);
		unlink(path);
	}

	/* unknown system call: vkemu's policy is ENOSYS (logged once by vkemu), no SIGSYS */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigsys;
	sigaction(SIGSYS, &sa, 0);
	long r = __dfly_sc0(600);
	CHECK_EQ(r, -ENOSYS, "syscall 600 fails with ENOSYS");
	CHECK_EQ(sigsys_hits, 0, "and posts no SIGSYS");
	return vkt_done();
}
