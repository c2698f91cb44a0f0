// hwdiv divides with the IDIV instruction itself, so a zero divisor raises the CPU's #DE
// fault. The Go compiler never lets that happen (it tests for zero and calls
// runtime.panicdivide); this is how the test reaches the SIGFPE path: the emulator must
// deliver SIGFPE with si_code FPE_INTDIV (2) for the runtime to report
// "integer divide by zero".

#include "textflag.h"

// func hwdiv(a, b int64) int64
TEXT ·hwdiv(SB), NOSPLIT, $0-24
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), CX
	CQO
	IDIVQ CX
	MOVQ AX, ret+16(FP)
	RET
