/*
 * The console as a terminal (run on a pty, e.g. under script(1)): isatty,
 * termios translated both ways (raw mode set and read back, then restored),
 * the window size, and the controlling terminal's foreground process group
 * (TIOCGPGRP/TIOCSPGRP), TIOCSCTTY (ours already; a new session may not take it
 * while ours lives). Prints TAP lines; without a tty it says so and skips.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <vktest.h>

#define TIOCGETA   0x402c7413UL
#define TIOCSETA   0x802c7414UL
#define TIOCGWINSZ 0x40087468UL
#define TIOCGPGRP  0x40047477UL
#define TIOCSPGRP  0x80047476UL
#define TIOCSCTTY  0x20007461UL
#define ICANON 0x100
#define ECHO   0x8

struct termios { unsigned int iflag, oflag, cflag, lflag; unsigned char cc[20]; unsigned int ispeed, ospeed; };
struct winsize { unsigned short row, col, xpixel, ypixel; };

static int getpgrp(void) { return (int)__dfly_sc0(81); }	/* getpgrp(2) */
static long io(int fd, unsigned long req, void *arg) { return __dfly_sc3(SYS_ioctl, fd, (long)req, (long)arg); }

int main(void)
{
	if (!isatty(0)) {
		printf("# stdin is not a terminal: nothing to check\n");
		return 0;
	}
	struct termios orig, t, back;
	CHECK_EQ(io(0, TIOCGETA, &orig), 0, "TIOCGETA");
	CHECK(orig.lflag & ICANON, "a fresh pty is in canonical mode (lflag 0x%x)", orig.lflag);
	CHECK(orig.ospeed > 0 && orig.ispeed > 0, "speeds are baud numbers (%u)", orig.ospeed);
	t = orig;
	t.lflag &= ~(ICANON | ECHO);
	t.cc[16] = 1;	/* VMIN */
	t.cc[17] = 0;	/* VTIME */
	CHECK_EQ(io(0, TIOCSETA, &t), 0, "TIOCSETA raw mode");
	CHECK_EQ(io(0, TIOCGETA, &back), 0, "TIOCGETA again");
	CHECK(!(back.lflag & (ICANON | ECHO)), "raw mode reads back (lflag 0x%x)", back.lflag);
	CHECK(back.cc[16] == 1 && back.cc[17] == 0, "VMIN/VTIME read back");
	CHECK_EQ(io(0, TIOCSETA, &orig), 0, "restore the original modes");
	CHECK_EQ(io(0, TIOCGETA, &back), 0, "and read them");
	CHECK_EQ(back.lflag & (ICANON | ECHO), orig.lflag & (ICANON | ECHO), "canonical mode and echo are back");
	struct winsize ws;
	CHECK_EQ(io(0, TIOCGWINSZ, &ws), 0, "TIOCGWINSZ");
	printf("# window %ux%u\n", ws.col, ws.row);
	int pg = -1;
	CHECK_EQ(io(0, TIOCGPGRP, &pg), 0, "TIOCGPGRP");
	CHECK_EQ(pg, getpgrp(), "the foreground group is ours (%d)", pg);
	int me = getpgrp();
	CHECK_EQ(io(0, TIOCSPGRP, &me), 0, "TIOCSPGRP to our group");
	int bad = 0;
	errno = 0;
	CHECK_EQ(io(0, TIOCSPGRP, &bad), -EINVAL, "TIOCSPGRP 0 -> EINVAL");
	CHECK_EQ(io(0, TIOCSPGRP, (void *)0x10), -EFAULT, "TIOCSPGRP with a bad pointer -> EFAULT");
	CHECK_EQ(io(0, TIOCGPGRP, (void *)0x10), -EFAULT, "TIOCGPGRP with a bad pointer -> EFAULT");
	CHECK_EQ(io(1, TIOCGPGRP, &pg), 0, "stdout is the same terminal");

	/* The terminal is our session's already; a child in a new session may not take it. */
	CHECK_EQ(io(0, TIOCSCTTY, 0), 0, "TIOCSCTTY by the leader of the terminal's session");
	pid_t pid = fork();
	if (pid == 0) {
		long sid = __dfly_sc0(147);	/* setsid(2) */
		_exit(sid > 0 && io(0, TIOCSCTTY, 0) == -EPERM ? 0 : 1);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a new session's leader gets EPERM while our session has the terminal");
	pid = fork();
	if (pid == 0)
		_exit(io(0, TIOCSCTTY, 0) == -EPERM ? 0 : 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a process that does not lead its session gets EPERM");
	return vkt_done();
}
