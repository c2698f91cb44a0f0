// Guest contexts of a virtual kernel: entering a vmspace with a trapframe
// (VMSPACE_CTL_RUN) and leaving it with the exit trapframe of
// vkernel-host-abi.md §2.4–2.5.
import { Reg } from '../cpu/engine.js';
import { putTrapframe, TRAPFRAME, TF } from './sigframe.js';
import type { GuestThread } from './thread.js';

export const TRAPFRAME_SIZE = 200;
const PSL_KEEP = 0x10000n | 0x244dd5n | 0x20000n; // RF | PSL_USERCHANGE | VM-less bit 17
const PSL_I = 0x200n;

/** Switch t into the vmspace with the guest registers of `tf` and TLS of `vf`. */
export function enterVmspace(t: GuestThread, id: bigint, vs: { space: import('../cpu/engine.js').AddressSpace; running: number },
  tframe: number, tf: Buffer, vf: Buffer): void {
  const saved = t.regs.slice(0, Reg.GS_BASE + 1);
  TRAPFRAME.forEach((r, i) => { if (r !== undefined) t.set(r, tf.readBigUInt64LE(i * 8)); });
  const fl = tf.readBigUInt64LE(176);
  t.set(Reg.RFLAGS, (fl & PSL_KEEP) | 0x2n | PSL_I);
  t.set(Reg.FS_BASE, vf.readBigUInt64LE(0));
  t.set(Reg.GS_BASE, vf.readBigUInt64LE(16));
  // The FPU state is not touched: the guest starts with the caller's (§2.4 step 8).
  t.cpu.moveTo(vs.space);
  vs.running++;
  t.vm = { id, space: vs.space, tframe, saved };
}

/**
 * Leave the vmspace: copy the guest's registers out as a trapframe, give the
 * thread back its vkernel registers. Returns 0 or a negative errno (EFAULT
 * when the trapframe cannot be written), the result of vmspace_ctl.
 */
export function exitVmspace(t: GuestThread, trapno: number, err: number, addr: bigint, syscall: boolean): number {
  const vm = t.vm!;
  const f = Buffer.alloc(TRAPFRAME_SIZE);
  putTrapframe(f, 0, t, trapno, addr, err);
  if (syscall) {
    // The guest's 4th argument travels in tf_rcx (§2.5); r10/r11 are stale.
    f.writeBigUInt64LE(t.get(Reg.R10), 24);
  }
  f.writeBigUInt64LE(0n, TF.XFLAGS);
  f.writeBigUInt64LE(0n, TF.FLAGS);
  t.vm = undefined;
  const vs = t.proc.vmspaces.get(vm.id);
  if (vs) vs.running--;
  t.cpu.moveTo(t.proc.space);
  for (let r = Reg.RAX; r <= Reg.GS_BASE; r++) t.set(r, vm.saved[r]);
  return t.proc.space.write(vm.tframe, f) ? 0 : -14;
}
