/*
 * A program that needs a shared object (libtoy.so.1, DT_NEEDED), started by
 * the toy interpreter. It finds the library the way a debugger does, through
 * DT_DEBUG -> r_debug -> link_map, calls its entry point (toy_work) and prints
 * "dynlib: toy_work 15 = 330" (the sum of 3i+1 for i < 15).
 */
struct link_map {
	char *l_addr;
	const char *l_name;
	const void *l_ld;
	struct link_map *l_next, *l_prev;
};
struct r_debug {
	int r_version;
	struct link_map *r_map;
	void (*r_brk)(void);
	int r_state;
};

extern long _DYNAMIC[];

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

static char *num(char *p, long v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = '0' + v % 10;
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static int ends_with(const char *s, const char *tail)
{
	const char *a = s, *b = tail;
	while (*a)
		a++;
	while (*b)
		b++;
	while (b > tail)
		if (a == s || *--a != *--b)
			return 0;
	return 1;
}

__attribute__((noreturn, used)) void dyn_main(long *ap)
{
	(void)ap;
	struct r_debug *rd = 0;
	for (long *d = _DYNAMIC; d[0]; d += 2)
		if (d[0] == 21)
			rd = (struct r_debug *)d[1];
	struct link_map *lm = rd ? rd->r_map : 0;
	while (lm && !(lm->l_name && ends_with(lm->l_name, "/libtoy.so.1")))
		lm = lm->l_next;
	if (!lm) {
		say("dynlib: libtoy.so.1 is not in the rtld's link_map list\n");
		sys3(1, 1, 0, 0);
	}
	long entry = *(long *)(lm->l_addr + 24); /* e_entry */
	int (*work)(int) = (int (*)(int))(lm->l_addr + entry);
	char buf[64], *p = buf;
	const char *pre = "dynlib: toy_work 15 = ";
	while (*pre)
		*p++ = *pre++;
	p = num(p, work(15));
	*p++ = '\n';
	*p = 0;
	say(buf);
	sys3(1, 0, 0, 0);
	for (;;)
		;
}

__asm__(".globl _start\n_start:\n\tand $-16, %rsp\n\tcall dyn_main\n");
