/*
 * vkemu guest libc: process entry for static DragonFly x86-64 programs.
 * The kernel enters _start with rdi = address of argc (argv[], NULL, envp[],
 * NULL and the aux vector follow it); rsp is not necessarily aligned.
 */
	.text
	.globl	_start
	.type	_start,@function
_start:
	xorl	%ebp, %ebp		/* outermost frame */
	andq	$-16, %rsp		/* SysV alignment before the call */
	call	__vk_start_c		/* rdi still holds &argc */
1:	hlt				/* not reached */
	jmp	1b
	.size	_start, .-_start

/* DragonFly ABI tag note: name "DragonFly", type 1, desc = osreldate. */
	.section .note.tag,"a",@note
	.p2align 2
	.long	10
	.long	4
	.long	1
	.asciz	"DragonFly"
	.p2align 2
	.long	500901

	.section .note.GNU-stack,"",@progbits
