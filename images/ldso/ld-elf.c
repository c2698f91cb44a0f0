/*
 * A toy program interpreter (PT_INTERP), position independent: it finds
 * AT_ENTRY and AT_BASE in the auxiliary vector and jumps to the program with
 * the argument pointer unchanged, as DragonFly's rtld does at the end. Used to
 * test vkemu's loading of interpreters, static-PIE images and -L roots.
 *
 * Like DragonFly's rtld it also maps the program's DT_NEEDED objects (from
 * /lib, position independent and without relocations: it has no relocator)
 * and keeps the debugger interface: r_debug with the link_map list (program,
 * libraries, the interpreter itself), its address in the program's DT_DEBUG,
 * and r_debug_state() called around the loading, where gdb puts its
 * shared-library breakpoint. It never relocates itself, so no initialized
 * data holds a pointer.
 */
typedef unsigned long u64;

struct link_map {
	char *l_addr;
	const char *l_name;
	const void *l_ld;
	struct link_map *l_next, *l_prev;
};

struct r_debug {
	int r_version;
	struct link_map *r_map;
	void (*r_brk)(struct r_debug *, struct link_map *);
	int r_state;
};

#define MAX_OBJS 8
static struct link_map maps[MAX_OBJS + 2];
static char names[MAX_OBJS][128];
static struct r_debug r_debug_area;
extern long _DYNAMIC[] __attribute__((visibility("hidden")));

static long sys3(long n, long a, long b, long c)
{
	long r;
	unsigned char cf;
	__asm__ volatile("syscall; setc %1" : "=a"(r), "=r"(cf) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return cf ? -r : r;
}

/* mmap is syscall 197 with seven formal arguments: pad in r9, pos at [rsp+8]. */
long toy_mmap(long addr, long len, long prot, long flags, long fd, long pos);
__asm__(".globl toy_mmap\ntoy_mmap:\n"
	"\tsub $16, %rsp\n\tmov %r9, 8(%rsp)\n\tmov %rcx, %r10\n\txor %r9, %r9\n"
	"\tmov $197, %eax\n\tsyscall\n\tjnc 1f\n\tneg %rax\n1:\tadd $16, %rsp\n\tret\n");

static void say(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	sys3(4, 1, (long)s, n);
}

/* gdb's shared-library breakpoint goes here (it looks the name up in our symbols). */
__attribute__((noinline, used)) void r_debug_state(struct r_debug *rd, struct link_map *m)
{
	(void)rd;
	(void)m;
	__asm__ volatile("" ::: "memory");
}

/* Map a position-independent object without relocations; its base, or 0. */
static char *map_object(const char *path)
{
	long fd = sys3(5, (long)path, 0, 0);
	if (fd < 0)
		return 0;
	unsigned char hdr[4096];
	long n = sys3(3, fd, (long)hdr, sizeof(hdr));
	u64 phoff = *(u64 *)(hdr + 32);
	unsigned phnum = *(unsigned short *)(hdr + 56);
	if (n < 64 || hdr[0] != 0x7f || phoff + phnum * 56 > (u64)n) {
		sys3(6, fd, 0, 0);
		return 0;
	}
	u64 span = 0;
	for (unsigned i = 0; i < phnum; i++) {
		unsigned char *ph = hdr + phoff + i * 56;
		u64 end = *(u64 *)(ph + 16) + *(u64 *)(ph + 40);
		if (*(unsigned *)ph == 1 && end > span)
			span = end;
	}
	span = (span + 4095) & ~4095UL;
	/* PROT_NONE reservation, then each PT_LOAD over it (MAP_PRIVATE|MAP_ANON 0x1002, MAP_FIXED 0x10). */
	long base = toy_mmap(0, span, 0, 0x1002, -1, 0);
	if (base < 0 && base > -4096) {
		sys3(6, fd, 0, 0);
		return 0;
	}
	for (unsigned i = 0; i < phnum; i++) {
		unsigned char *ph = hdr + phoff + i * 56;
		if (*(unsigned *)ph != 1)
			continue;
		unsigned flags = *(unsigned *)(ph + 4);
		u64 off = *(u64 *)(ph + 8), va = *(u64 *)(ph + 16), filesz = *(u64 *)(ph + 32);
		long prot = (flags & 4 ? 1 : 0) | (flags & 2 ? 2 : 0) | (flags & 1 ? 4 : 0);
		u64 skew = va & 4095;
		toy_mmap(base + (long)(va - skew), (long)(filesz + skew), prot, 0x12, fd, (long)(off - skew));
	}
	sys3(6, fd, 0, 0);
	return (char *)base;
}

/* The object's own _DYNAMIC, from its program headers (now mapped at base). */
static const void *dynamic_of(char *base)
{
	u64 phoff = *(u64 *)(base + 32);
	unsigned phnum = *(unsigned short *)(base + 56);
	for (unsigned i = 0; i < phnum; i++) {
		unsigned char *ph = (unsigned char *)base + phoff + i * 56;
		if (*(unsigned *)ph == 2)
			return base + *(u64 *)(ph + 16);
	}
	return 0;
}

/* Load the program's DT_NEEDED objects and publish r_debug in its DT_DEBUG. */
static void load_needed(long *aux_phdr, long phnum, long interp_base)
{
	unsigned char *ph = (unsigned char *)aux_phdr;
	long bias = 0, *dyn = 0;
	for (long i = 0; i < phnum; i++) {
		unsigned type = *(unsigned *)(ph + i * 56);
		long va = *(long *)(ph + i * 56 + 16);
		if (type == 6)
			bias = (long)aux_phdr - va;
		if (type == 2)
			dyn = (long *)va;
	}
	if (!dyn)
		return;
	dyn = (long *)((long)dyn + bias);
	const char *strtab = 0;
	long *debug_slot = 0;
	for (long *d = dyn; d[0]; d += 2) {
		if (d[0] == 5)
			strtab = (const char *)(d[1] + bias);
		if (d[0] == 21)
			debug_slot = &d[1];
	}
	struct r_debug *rd = &r_debug_area;
	int n = 0;
	maps[n].l_addr = (char *)bias;
	maps[n].l_name = "";
	maps[n].l_ld = dyn;
	n++;
	rd->r_version = 1;
	rd->r_map = &maps[0];
	rd->r_brk = r_debug_state;
	rd->r_state = 0;
	if (debug_slot)
		*debug_slot = (long)rd;
	rd->r_state = 1; /* RT_ADD */
	r_debug_state(rd, &maps[0]);
	for (long *d = dyn; d[0] && strtab; d += 2) {
		if (d[0] != 1 || n > MAX_OBJS)
			continue;
		char *path = names[n - 1];
		const char *pre = "/lib/", *name = strtab + d[1];
		int k = 0;
		while (*pre)
			path[k++] = *pre++;
		while (*name && k < 127)
			path[k++] = *name++;
		path[k] = 0;
		char *base = map_object(path);
		if (!base) {
			say("ld-elf: cannot load ");
			say(path);
			say("\n");
			sys3(1, 127, 0, 0);
		}
		maps[n].l_addr = base;
		maps[n].l_name = path;
		maps[n].l_ld = dynamic_of(base);
		n++;
	}
	/* The interpreter is on the list too, last, as DragonFly's rtld puts itself. */
	maps[n].l_addr = (char *)interp_base;
	maps[n].l_name = "/libexec/ld-elf.so.2";
	maps[n].l_ld = _DYNAMIC;
	n++;
	for (int i = 0; i < n; i++) {
		maps[i].l_next = i + 1 < n ? &maps[i + 1] : 0;
		maps[i].l_prev = i ? &maps[i - 1] : 0;
	}
	rd->r_state = 0; /* RT_CONSISTENT */
	r_debug_state(rd, &maps[0]);
}

__attribute__((noreturn)) void interp_main(long *ap)
{
	long argc = ap[0];
	long *p = ap + 1 + argc + 1;
	while (*p)
		p++;
	p++;
	long entry = 0, base = 0, phdr = 0, phnum = 0;
	for (; p[0]; p += 2) {
		if (p[0] == 9)
			entry = p[1];
		if (p[0] == 7)
			base = p[1];
		if (p[0] == 3)
			phdr = p[1];
		if (p[0] == 5)
			phnum = p[1];
	}
	if (!base || (unsigned long)entry - (unsigned long)base < 0x1000000) {
		/* run directly (a static PIE without a program): say so and stop */
		sys3(4, 1, (long)"ld-elf: no program to start\n", 28);
		sys3(1, 3, 0, 0);
	}
	if (phdr && phnum)
		load_needed((long *)phdr, phnum, base);
	sys3(4, 1, (long)"ld-elf: starting the program\n", 29);
	__asm__ volatile("mov %0, %%rdi; jmp *%1" ::"r"(ap), "r"(entry) : "rdi");
	__builtin_unreachable();
}

__asm__(".globl _start\n_start:\n\tand $-16, %rsp\n\tcall interp_main\n");
