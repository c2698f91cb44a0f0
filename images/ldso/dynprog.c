/* A program with PT_INTERP = /libexec/ld-elf.so.2 (our toy interpreter). */
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

void _start(void)
{
	sys3(4, 1, (long)"started through the interpreter\n", 32);
	sys3(1, 0, 0, 0);
	for (;;)
		;
}
