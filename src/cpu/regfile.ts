// A thread's register file: a BigUint64Array shared between TypeScript and
// the backend (no call per register read or write), and how a run ends. The
// slots after the general registers are the exit ABI: `run` leaves the reason's
// details there (vector, fault address and access, whether the page was
// present, an engine error), DIRTY tells the backend which registers
// TypeScript changed, FAST_CALLS counts calls served inside the engine.
// The CTX_* slots hold the guest context a vkernel thread runs (vmspace_ctl),
// which the engine may enter and leave by itself during a run when CTX_FAST
// allows it. native/src/space.h mirrors these numbers (kRegSlots and the k* slots).

/** Register slots of a thread's register file (BigUint64Array). */
export const enum Reg {
  RAX = 0, RBX, RCX, RDX, RSI, RDI, RBP, RSP,
  R8, R9, R10, R11, R12, R13, R14, R15,
  RIP, RFLAGS, FS_BASE, GS_BASE,
  DIRTY = 20, EXIT_REASON, EXIT_VECTOR, EXIT_ADDR, EXIT_ACCESS, EXIT_PRESENT, EXIT_ERROR, FAST_CALLS,
  /** Debugger: a breakpoint at this rip does not stop the next run's first instruction (0: none). */
  DEBUG_SKIP = 28,
  /** Set before a run: the engine may enter and leave guest contexts itself (native/src/vmctx.cc). */
  CTX_FAST = 29,
  /** Set by TypeScript: the number of the thread's descriptor table in Engine.hookFiles (0: none). */
  FILES = 30,
  /** 1 while the thread runs a guest context; its vmspace id; where its exit trapframe goes. */
  CTX_ACTIVE = 32, CTX_ID, CTX_TFRAME,
  /** The vkernel's registers (REG_NAMES.length slots) while it runs a guest context. */
  CTX_SAVED = 40,
}
export const REG_SLOTS = 64;
export const REG_NAMES = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'rflags', 'fs_base', 'gs_base',
] as const;

export const enum Exit {
  Budget = 0,
  Syscall = 1,
  Fault = 2,
  Exception = 3,
  Halt = 4,
  EngineError = 5,
  Stop = 6,
}
