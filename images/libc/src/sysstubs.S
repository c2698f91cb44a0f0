/*
 * vkemu guest libc: assembly entry points for system calls that need stack
 * arguments. All return the result in rax, or -errno when the kernel set CF.
 *
 * __dfly_syscall198(num, a1, a2, a3, a4, a5, a6, a7)
 *   The C caller placed num..a5 in rdi, rsi, rdx, rcx, r8, r9 and a6, a7 at
 *   [rsp+8], [rsp+16] (above our return address). That is exactly the layout
 *   the indirect __syscall (198) expects once rcx is moved to r10, so the
 *   kernel reads a6/a7 from the caller's own argument slots.
 */
	.text
	.globl	__dfly_syscall198
	.type	__dfly_syscall198,@function
__dfly_syscall198:
	movq	%rcx, %r10
	movl	$198, %eax
	syscall
	jnc	1f
	negq	%rax
1:	ret
	.size	__dfly_syscall198, .-__dfly_syscall198

/* Same through the other indirect entry, syscall number 0. */
	.globl	__dfly_syscall0
	.type	__dfly_syscall0,@function
__dfly_syscall0:
	movq	%rcx, %r10
	xorl	%eax, %eax
	syscall
	jnc	1f
	negq	%rax
1:	ret
	.size	__dfly_syscall0, .-__dfly_syscall0

/*
 * __dfly_mmap_direct(addr, len, prot, flags, fd, pos): syscall 197 issued
 * directly. Its seven formal arguments are addr, len, prot, flags, fd, pad,
 * pos: pad goes in r9 (zero) and pos must be the first stack argument, so we
 * build a frame where [rsp] is a dummy return slot and [rsp+8] = pos.
 */
	.globl	__dfly_mmap_direct
	.type	__dfly_mmap_direct,@function
__dfly_mmap_direct:
	pushq	%r9			/* pos */
	pushq	$0			/* stands for a return address */
	movq	%rcx, %r10		/* flags */
	xorl	%r9d, %r9d		/* pad */
	movl	$197, %eax
	syscall
	leaq	16(%rsp), %rsp		/* lea keeps CF intact */
	jnc	1f
	negq	%rax
1:	ret
	.size	__dfly_mmap_direct, .-__dfly_mmap_direct

	.section .note.GNU-stack,"",@progbits
