/*
 * Exact data-fault addresses: si_addr and mc_addr name the byte an instruction
 * touched, whatever its addressing mode (base + index*scale + displacement,
 * RIP-relative with an immediate after the displacement, an SSE load, rep movs
 * and stos, push/call onto an unmapped stack) and an access that crosses into
 * a forbidden page names that page's first byte, as a DragonFly host does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <vktest.h>
#include "traputil.h"

#define PG 4096L

static void expect_addr(const char *what, long want)
{
	CHECK_EQ(trap.count, 1, "%s: one SIGSEGV", what);
	CHECK_EQ((long)trap.si_addr, want, "%s: si_addr = 0x%lx", what, want);
	CHECK_EQ(trap.mcaddr, want, "%s: mc_addr", what);
	trap_reset();
}

int main(void)
{
	trap_install(SIGSEGV);
	trap_reset();
	/* A readable page followed by a forbidden one, at a fixed place near the
	 * code so that RIP-relative displacements can reach it. */
	char *base = mmap((void *)0x30000000, 2 * PG, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_FIXED, -1, 0);
	CHECK(base == (char *)0x30000000, "map two pages at 0x30000000");
	char *bad = base + PG;
	CHECK_EQ(mprotect(bad, PG, PROT_NONE), 0, "the second page forbidden");

	long idx = 5;
	__asm__ volatile(TRAP_LABELS "0: movq 0x10(%[b],%[i],8), %%rax\n\t1:\n\t"
	                 : TRAP_OUTS : [b] "r"(bad + 8), [i] "r"(idx) : "rax", "r11", "memory");
	expect_addr("base+index*8+disp8", (long)(bad + 8 + 40 + 0x10));

	__asm__ volatile(TRAP_LABELS "0: movl $0x12345678, 0x100(%[b])\n\t1:\n\t"
	                 : TRAP_OUTS : [b] "r"(bad) : "r11", "memory");
	expect_addr("store of an immediate, disp32", (long)(bad + 0x100));

	/* RIP-relative with an 8-bit immediate after the displacement (cmpb $7, sym(%rip)). */
	__asm__ volatile(TRAP_LABELS "0: cmpb $7, 0x30001234\n\t1:\n\t" : TRAP_OUTS : : "r11", "memory");
	expect_addr("absolute disp32", 0x30001234);
	__asm__ volatile(TRAP_LABELS "0: cmpb $7, target(%%rip)\n\t1:\n\t"
	                 ".set target, 0x30001ff0\n\t" : TRAP_OUTS : : "r11", "memory");
	expect_addr("RIP-relative with imm8", 0x30001ff0);

	__asm__ volatile(TRAP_LABELS "0: movdqu 0x40(%[b]), %%xmm0\n\t1:\n\t"
	                 : TRAP_OUTS : [b] "r"(bad) : "xmm0", "r11", "memory");
	expect_addr("SSE load", (long)(bad + 0x40));

	/* An 8-byte load starting 4 bytes before the forbidden page: the page's first byte. */
	__asm__ volatile(TRAP_LABELS "0: movq (%[b]), %%rax\n\t1:\n\t"
	                 : TRAP_OUTS : [b] "r"(bad - 4) : "rax", "r11", "memory");
	expect_addr("crossing into the page", (long)bad);

	/* rep stosb from 16 bytes before the page: the first byte that faulted. */
	__asm__ volatile("mov %[d], %%rdi\n\tmov $64, %%rcx\n\txor %%eax, %%eax\n\t" TRAP_LABELS
	                 "0: rep stosb\n\t1:\n\t"
	                 : TRAP_OUTS : [d] "r"(bad - 16) : "rax", "rcx", "rdi", "r11", "memory");
	expect_addr("rep stosb", (long)bad);

	/* push onto a stack pointer in the forbidden page (the handler runs on an alternate stack). */
	static char alt[16384];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	CHECK_EQ(sigaltstack(&ss, 0), 0, "sigaltstack");
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, 0);
	__asm__ volatile("mov %%rsp, %%r10\n\tmov %[s], %%rsp\n\t" TRAP_LABELS
	                 "0: pushq $1\n\t1:\n\tmov %%r10, %%rsp\n\t"
	                 : TRAP_OUTS : [s] "r"(bad + 0x208) : "r10", "r11", "memory");
	expect_addr("push", (long)(bad + 0x200));
	return vkt_done();
}
