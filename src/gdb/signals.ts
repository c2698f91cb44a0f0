// DragonFly signal numbers <-> gdb's own numbering (gdb/signals.def), which
// the remote protocol uses whatever the target's OS.
import { SIG } from '../vm/abi/signals.js';

const GDB_LWP = 37;
const GDB_INFO = 142;
const GDB_UNKNOWN = 143;

/** gdb's number for a DragonFly signal. */
export function toGdbSignal(sig: number): number {
  if (sig >= 1 && sig <= 28) return sig; // HUP..WINCH coincide
  if (sig === SIG.SIGUSR1 || sig === SIG.SIGUSR2) return sig; // 30, 31 coincide
  if (sig === SIG.SIGINFO) return GDB_INFO;
  if (sig === SIG.SIGTHR) return GDB_LWP;
  // DragonFly's real-time signals are 65..126 (SIGRTMIN..SIGRTMAX).
  if (sig >= 65 && sig <= 127) return 78 + (sig - 64); // GDB_SIGNAL_REALTIME_64 is 78
  return GDB_UNKNOWN;
}

/** The DragonFly signal for a gdb number, or 0 when DragonFly has none. */
export function fromGdbSignal(g: number): number {
  if (g >= 1 && g <= 28) return g;
  if (g === 30 || g === 31) return g;
  if (g === GDB_INFO) return SIG.SIGINFO;
  if (g === GDB_LWP) return SIG.SIGTHR;
  if (g >= 79 && g <= 141) return 64 + (g - 78);
  return 0;
}
