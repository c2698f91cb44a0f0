// Guest contexts of a virtual kernel: entering a vmspace with a trapframe
// (VMSPACE_CTL_RUN) and leaving it with the exit trapframe of
// vkernel-host-abi.md §2.4–2.5. The register swap and trapframe copies are the
// engine's (CpuThread.enterContext/leaveContext): they are on the path of
// every guest system call and page fault.
import { REG_NAMES, type AddressSpace } from '../cpu/engine.js';
import type { GuestThread } from './thread.js';

/** Switch t into the vmspace with the guest registers of the trapframe at tframe and the TLS of vframe: 0 or -EFAULT. */
export function enterVmspace(t: GuestThread, id: bigint, vs: { space: AddressSpace; running: number },
  tframe: number, vframe: number): number {
  const saved = new BigUint64Array(REG_NAMES.length);
  const r = t.cpu.enterContext(vs.space, tframe, vframe, saved);
  if (r < 0) return r;
  vs.running++;
  t.vm = { id, space: vs.space, tframe, saved };
  return 0;
}

/**
 * Leave the vmspace: copy the guest's registers out as a trapframe, give the
 * thread back its vkernel registers. Returns 0 or a negative errno (EFAULT
 * when the trapframe cannot be written), the result of vmspace_ctl.
 */
export function exitVmspace(t: GuestThread, trapno: number, err: number, addr: bigint, syscall: boolean): number {
  const vm = t.vm!;
  t.vm = undefined;
  const vs = t.proc.vmspaces.get(vm.id);
  if (vs) vs.running--;
  return t.cpu.leaveContext(t.proc.space, vm.tframe, trapno, err, BigInt.asUintN(64, addr), syscall, vm.saved);
}
