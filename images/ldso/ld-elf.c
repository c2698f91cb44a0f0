/*
 * A toy program interpreter (PT_INTERP), position independent: it finds
 * AT_ENTRY and AT_BASE in the auxiliary vector and jumps to the program with
 * the argument pointer unchanged, as DragonFly's rtld does at the end. Used to
 * test vkemu's loading of interpreters, static-PIE images and -L roots.
 */
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

__attribute__((noreturn)) void interp_main(long *ap)
{
	long argc = ap[0];
	long *p = ap + 1 + argc + 1;
	while (*p)
		p++;
	p++;
	long entry = 0, base = 0;
	for (; p[0]; p += 2) {
		if (p[0] == 9)
			entry = p[1];
		if (p[0] == 7)
			base = p[1];
	}
	if (!base || (unsigned long)entry - (unsigned long)base < 0x1000000) {
		/* run directly (a static PIE without a program): say so and stop */
		sys3(4, 1, (long)"ld-elf: no program to start\n", 28);
		sys3(1, 3, 0, 0);
	}
	sys3(4, 1, (long)"ld-elf: starting the program\n", 29);
	__asm__ volatile("mov %0, %%rdi; jmp *%1" ::"r"(ap), "r"(entry) : "rdi");
	__builtin_unreachable();
}

__asm__(".globl _start\n_start:\n\tand $-16, %rsp\n\tcall interp_main\n");
