# vkemu's signal trampoline (src/vm/exec.ts SIGCODE_PAGE): `call *(%rsp)` to the
# handler, then sigreturn. gdb knows no DragonFly signal frames, so a backtrace
# from a handler (a vkernel's timersig, exc_segfault -> kern_trap, ...) stopped
# there; this unwinder continues into the interrupted code, from the
# ucontext's mcontext (sigframe + 64 + 64, registers after mc_onstack in
# trapframe order, as src/vm/sigframe.ts writes them).
import gdb

SIGCODE_PAGE = 0x7fffffdfe000
MC_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9", "rax", "rbx", "rbp", "r10", "r11", "r12", "r13", "r14", "r15",
           None, None, None, None, None, "rip", None, "eflags", "rsp", None)

try:
    from gdb.unwinder import Unwinder, register_unwinder

    class SigtrampUnwinder(Unwinder):
        def __init__(self):
            super(SigtrampUnwinder, self).__init__("vkemu-sigtramp")

        def __call__(self, pending_frame):
            try:
                pc = int(pending_frame.read_register("rip"))
                if not SIGCODE_PAGE <= pc < SIGCODE_PAGE + 0x20:
                    return None
                sfp = int(pending_frame.read_register("rsp"))
                u64p = gdb.lookup_type("unsigned long").pointer()
                u32p = gdb.lookup_type("unsigned int").pointer()
                ptr = gdb.lookup_type("void").pointer()
                info = pending_frame.create_unwind_info(FrameId(gdb.Value(sfp).cast(ptr), gdb.Value(SIGCODE_PAGE).cast(ptr)))
                base = sfp + 128 + 8
                for i, reg in enumerate(MC_REGS):
                    if reg is None:
                        continue
                    # eflags is 32 bits in the target description (the slot's low half).
                    v = gdb.Value(base + 8 * i).cast(u32p if reg == "eflags" else u64p).dereference()
                    info.add_saved_register(reg, v)
                return info
            except Exception:  # an unwinder must never break a backtrace
                return None

    class FrameId(object):
        def __init__(self, sp, pc):
            self.sp = sp
            self.pc = pc

    register_unwinder(None, SigtrampUnwinder(), replace=True)
except ImportError:
    pass
