// DragonFly signal numbers and constants (vkernel-host-abi.md §4).
export const SIG = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGEMT: 7, SIGFPE: 8,
  SIGKILL: 9, SIGBUS: 10, SIGSEGV: 11, SIGSYS: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
  SIGURG: 16, SIGSTOP: 17, SIGTSTP: 18, SIGCONT: 19, SIGCHLD: 20, SIGTTIN: 21, SIGTTOU: 22,
  SIGIO: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGINFO: 29,
  SIGUSR1: 30, SIGUSR2: 31, SIGTHR: 32,
} as const;
export const NSIG = 128; // valid signal numbers are 1..128 (_SIG_MAXSIG)

const NAMES: string[] = [];
for (const [k, v] of Object.entries(SIG)) NAMES[v] = k;
export function signalName(sig: number): string {
  return NAMES[sig] ?? `SIG${sig}`;
}

export const SA_ONSTACK = 0x01, SA_RESTART = 0x02, SA_RESETHAND = 0x04, SA_NOCLDSTOP = 0x08,
  SA_NODEFER = 0x10, SA_NOCLDWAIT = 0x20, SA_SIGINFO = 0x40;
export const SIG_DFL = 0n, SIG_IGN = 1n;
export const SIG_BLOCK = 1, SIG_UNBLOCK = 2, SIG_SETMASK = 3;
export const SS_ONSTACK = 1, SS_DISABLE = 4, MINSIGSTKSZ = 8192;

export type DefaultAction = 'term' | 'core' | 'ignore' | 'stop' | 'cont';
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIG.SIGQUIT: case SIG.SIGILL: case SIG.SIGTRAP: case SIG.SIGABRT: case SIG.SIGEMT:
    case SIG.SIGFPE: case SIG.SIGBUS: case SIG.SIGSEGV: case SIG.SIGSYS: case SIG.SIGXCPU:
    case SIG.SIGXFSZ:
      return 'core';
    case SIG.SIGURG: case SIG.SIGCHLD: case SIG.SIGIO: case SIG.SIGWINCH: case SIG.SIGINFO:
    case SIG.SIGTHR: case 33: case 34:
      return 'ignore';
    case SIG.SIGSTOP: case SIG.SIGTSTP: case SIG.SIGTTIN: case SIG.SIGTTOU:
      return 'stop';
    case SIG.SIGCONT:
      return 'cont';
    default:
      return 'term';
  }
}

/** DragonFly trap numbers (tf_trapno / mc_trapno), by x86 vector. */
export const T = {
  PRIVINFLT: 1, BPTFLT: 3, ARITHTRAP: 6, ASTFLT: 7, PROTFLT: 9, TRCTRAP: 10, PAGEFLT: 12,
  ALIGNFLT: 14, DIVIDE: 18, NMI: 19, OFLOW: 20, BOUND: 21, DNA: 22, DOUBLEFLT: 23, FPOPFLT: 24,
  TSSFLT: 25, SEGNPFLT: 26, STKFLT: 27, MCHK: 28, XMMFLT: 29, FAST_SYSCALL: 0x81,
} as const;
const VECTOR_TO_TRAP: Record<number, number> = {
  0: T.DIVIDE, 1: T.TRCTRAP, 2: T.NMI, 3: T.BPTFLT, 4: T.OFLOW, 5: T.BOUND, 6: T.PRIVINFLT,
  7: T.DNA, 8: T.DOUBLEFLT, 9: T.FPOPFLT, 10: T.TSSFLT, 11: T.SEGNPFLT, 12: T.STKFLT,
  13: T.PROTFLT, 14: T.PAGEFLT, 16: T.ARITHTRAP, 17: T.ALIGNFLT, 18: T.MCHK, 19: T.XMMFLT,
};
export function trapOfVector(vector: number): number {
  return VECTOR_TO_TRAP[vector] ?? T.PROTFLT;
}

/** The signal and si_code a user-mode trap raises (§4.3). */
export function signalOfVector(vector: number): { sig: number; code: number } {
  switch (vector) {
    case 0: return { sig: SIG.SIGFPE, code: 2 };     // FPE_INTDIV
    case 1: return { sig: SIG.SIGTRAP, code: 2 };    // TRAP_TRACE
    case 3: return { sig: SIG.SIGTRAP, code: 1 };    // TRAP_BRKPT
    case 4: return { sig: SIG.SIGFPE, code: 1 };     // FPE_INTOVF
    case 5: return { sig: SIG.SIGFPE, code: 8 };     // FPE_FLTSUB
    case 6: return { sig: SIG.SIGILL, code: 5 };     // ILL_PRVOPC
    case 11: case 12: return { sig: SIG.SIGBUS, code: 2 };
    case 16: case 19: return { sig: SIG.SIGFPE, code: 0 };
    case 17: return { sig: SIG.SIGBUS, code: 1 };
    default: return { sig: SIG.SIGBUS, code: 3 };   // #GP: BUS_OBJERR
  }
}

/** The bit of a signal in a 128-bit mask. */
const SIGBITS = Array.from({ length: 129 }, (_, s) => (s ? 1n << BigInt(s - 1) : 0n));
export const sigbit = (sig: number): bigint => SIGBITS[sig] ?? 1n << BigInt(sig - 1);
/** SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: the job-control stops. */
export const STOP_SIGNALS = sigbit(SIG.SIGSTOP) | sigbit(SIG.SIGTSTP) | sigbit(SIG.SIGTTIN) | sigbit(SIG.SIGTTOU);
/** SIGKILL and SIGSTOP: no mask ever holds them. */
export const UNBLOCKABLE = sigbit(SIG.SIGKILL) | sigbit(SIG.SIGSTOP);
