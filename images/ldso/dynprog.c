/*
 * A program with PT_INTERP = /libexec/ld-elf.so.2 (our toy interpreter). It
 * checks the auxiliary vector the way DragonFly's rtld reads it (§8.4: AT_PHDR
 * at our program headers, AT_PHENT = 56, AT_PHNUM, AT_ENTRY, AT_BASE at the
 * interpreter's ELF header, an absolute AT_EXECPATH, AT_OSRELDATE, in the
 * kernel's order) and says "started through the interpreter" only if all hold.
 */
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static void say(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	sys3(4, 1, (long)s, n);
}

extern const unsigned char __ehdr_start[];
void _start(void);

__attribute__((noreturn, used)) void dyn_main(long *ap)
{
	static const long order[] = { 3, 4, 5, 6, 8, 9, 7, 15, 18 };
	long argc = ap[0];
	long *p = ap + 1 + argc + 1;
	long val[32] = { 0 };
	int seen = 0, ordered = 1;
	const char *bad = 0;
	while (*p)
		p++;
	p++;
	for (; p[0]; p += 2) {
		if (p[0] < 32)
			val[p[0]] = p[1];
		if (seen < 9 && p[0] != order[seen++])
			ordered = 0;
	}
	const unsigned char *eh = __ehdr_start;
	long phoff = *(const long *)(eh + 32);
	unsigned short phnum = *(const unsigned short *)(eh + 56);
	const char *execpath = (const char *)val[15];
	const unsigned char *base = (const unsigned char *)val[7];
	if (!ordered || seen != 9)
		bad = "auxv entries missing or not in the kernel's order\n";
	else if (val[4] != 56)
		bad = "AT_PHENT is not 56\n";
	else if (val[3] != (long)eh + phoff || val[5] != phnum)
		bad = "AT_PHDR/AT_PHNUM do not describe our program headers\n";
	else if (val[9] != (long)_start)
		bad = "AT_ENTRY is not our entry point\n";
	else if (!base || base[0] != 0x7f || base[1] != 'E' || base[2] != 'L' || base[3] != 'F')
		bad = "AT_BASE does not point at the interpreter's ELF header\n";
	else if (!execpath || execpath[0] != '/')
		bad = "AT_EXECPATH is not an absolute path\n";
	else if (val[6] != 4096 || val[8] != 0 || val[18] < 500000)
		bad = "AT_PAGESZ/AT_FLAGS/AT_OSRELDATE wrong\n";
	say(bad ? bad : "started through the interpreter\n");
	sys3(1, bad ? 1 : 0, 0, 0);
	for (;;)
		;
}

__asm__(".globl _start\n_start:\n\tand $-16, %rsp\n\tcall dyn_main\n");
