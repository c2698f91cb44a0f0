/* What the programs that drive the virtual-kernel extensions directly share:
 * vpte bits, the mcontrol behaviours, DragonFly's trapframe and vextframe
 * (vkernel-host-abi.md §2.2-2.3, §3.1) and the vmspace calls. */
#ifndef VK_VKCTX_H
#define VK_VKCTX_H
#include <sys/mman.h>
#include <sys/syscall.h>

#define L(x) ((long)(x))
#define V 0x1UL
#define RW 0x2UL
#define U 0x4UL
#define A 0x20UL
#define M 0x40UL
#define MADV_INVAL 10
#define MADV_SETMAP 11
#define KVA 0x8000000000UL
#define USERTOP 0x7FFFFFE00000UL

struct trapframe {
	unsigned long rdi, rsi, rdx, rcx, r8, r9, rax, rbx, rbp, r10, r11, r12, r13, r14, r15;
	unsigned long xflags, trapno, addr, flags, err, rip, cs, rflags, rsp, ss;
};
struct vextframe { unsigned long fs, fssize, gs, gssize; };

/* vmspace_ctl(id, VMSPACE_CTL_RUN, tf, vf) */
static inline long vmspace_run(void *id, struct trapframe *tf, struct vextframe *vf)
{
	return __dfly_sc4(488, L(id), 1, L(tf), L(vf));
}

/* vmspace_mmap(id, 0, USERTOP, RW, MAP_SHARED|MAP_VPAGETABLE|MAP_FIXED, fd, 0): seven
 * arguments, the last on the stack, so the call is made here directly. */
static inline long vmspace_mmap_user(void *id, int fd)
{
	register long r10 __asm__("r10") = 7;
	register long r8 __asm__("r8") = MAP_SHARED | MAP_VPAGETABLE | MAP_FIXED;
	register long r9 __asm__("r9") = fd;
	long ret;
	__asm__ volatile("sub $16, %%rsp\n\tmovq $0, 8(%%rsp)\n\tsyscall\n\tjnc 1f\n\tneg %%rax\n1:\tadd $16, %%rsp"
	                 : "=a"(ret) : "a"(489L), "D"(id), "S"(0L), "d"(USERTOP), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}
#endif
