// From a `syscall` exit to a handler: number decoding, indirection, tracing.
import { Reg } from '../../cpu/engine.js';
import { E } from '../abi/errno.js';
import type { Machine } from '../machine.js';
import type { GuestThread } from '../thread.js';
import { syscallName, TABLE } from './table.js';
import { Sys, type SyscallResult } from './types.js';

export type { SyscallResult };

export function dispatchSyscall(m: Machine, t: GuestThread): SyscallResult | Promise<SyscallResult> {
  let num = t.u32[2 * Reg.RAX];
  let shift = 0;
  if (num === 0 || num === 198) {
    num = t.u32[2 * Reg.RDI];
    shift = 1;
  }
  const s = (t.sys ??= new Sys(m, t));
  s.shift = shift;
  const def = num < TABLE.length ? TABLE[num] : undefined;
  m.tracer?.enter(s, num, def);
  if (def?.fn) return def.fn(s);
  if (def?.support === 'refused') return -def.errno;
  m.warnOnce(`sys${num}`, `unsupported system call ${syscallName(num)} (${num}) from ${t.proc.exePath}: returning ENOSYS`);
  return -E.ENOSYS;
}
