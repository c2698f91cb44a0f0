/*
 * A console polled the way a vkernel polls it at its mountroot> and debugger
 * prompts: extpread(0, 1 byte, O_FNONBLOCKING) with input already waiting in
 * the pipe or terminal before anything has read fd 0. Prints what it got.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, 0);	/* the input is there by now */
	char c = 0;
	long r = __dfly_sc5(173, 0, (long)&c, 1, 0x80000 /* O_FNONBLOCKING */, -1);
	printf("first non-blocking read: %ld '%c'\n", r, r == 1 ? c : '-');
	return r == 1 ? 0 : 1;
}
