/*
 * A shared object for the toy interpreter (ld-elf.c) to load: position
 * independent, with no relocations, so that an rtld without a relocator can
 * map it. Its ELF entry point is toy_work, which dynlib.c finds through the
 * rtld's debug interface (r_debug, link_map) and calls: the GDB stub tests
 * break in it and backtrace through it.
 */
__attribute__((noinline)) static int toy_inner(int x)
{
	volatile int y = x * 3;
	return y + 1;
}

int toy_work(int n)
{
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += toy_inner(i);
	return sum;
}
