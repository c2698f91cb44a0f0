// Guest contexts of a virtual kernel: entering a vmspace with a trapframe
// (VMSPACE_CTL_RUN) and leaving it with the exit trapframe of
// vkernel-host-abi.md §2.4–2.5. The register swap and trapframe copies are the
// engine's (CpuThread.enterContext/leaveContext): they are on the path of
// every guest system call and page fault. The context a thread runs is in its
// register file (Reg.CTX_*, GuestThread.vm), because the engine also enters and
// leaves contexts itself during a run (native/src/vmctx.cc).
import type { AddressSpace } from '../cpu/engine.js';
import type { Process } from './process.js';
import type { GuestThread } from './thread.js';

/** Switch t into the vmspace `id` with the guest registers of the trapframe at tframe and the TLS of vframe: 0 or -EFAULT. */
export function enterVmspace(t: GuestThread, id: bigint, vs: { space: AddressSpace }, tframe: number, vframe: number): number {
  return t.cpu.enterContext(vs.space, id, tframe, vframe);
}

/**
 * Leave the vmspace: copy the guest's registers out as a trapframe, give the
 * thread back its vkernel registers. Returns 0 or a negative errno (EFAULT
 * when the trapframe cannot be written), the result of vmspace_ctl.
 */
export function exitVmspace(t: GuestThread, trapno: number, err: number, addr: bigint, syscall: boolean): number {
  return t.cpu.leaveContext(trapno, err, BigInt.asUintN(64, addr), syscall);
}

/** How many threads of p run the vmspace `id` now (vmspace_destroy fails with EBUSY while any does). */
export function contextsIn(p: Process, id: bigint): number {
  let n = 0;
  for (const t of p.threads.values()) if (t.state !== 'dead' && t.vm?.id === id) n++;
  return n;
}
