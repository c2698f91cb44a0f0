// DragonFly signal frames: building them on delivery and reading them back
// in sigreturn (vkernel-host-abi.md §4.4–4.6).
import { Reg } from '../cpu/engine.js';
import { SIGCODE_PAGE } from './exec.js';
import type { GuestThread } from './thread.js';
import {
  FXSAVE_SIZE, MC_FPFMT_XMM, MC_FPOWNED_FPU, MC_FPOWNED_PCB, Mcontext, Sigframe, Siginfo, StackT, Trapframe, Ucontext,
} from './abi/structs.js';

export const SIGFRAME_SIZE = Sigframe.size;
export const UCONTEXT_SIZE = Ucontext.size;
const UC = Sigframe.off.uc;                // sf_uc within the sigframe
const MC = UC + Ucontext.off.mcontext;     // uc_mcontext within the sigframe
const SI = Sigframe.off.si;                // sf_si
const TF = Mcontext.off.trapframe;         // the trapframe within an mcontext
const FP = Mcontext.off.fpregs;

/** The trapframe fields that hold registers, and which. */
const TF_REG: Partial<Record<keyof typeof Trapframe.off, Reg>> = {
  rdi: Reg.RDI, rsi: Reg.RSI, rdx: Reg.RDX, rcx: Reg.RCX, r8: Reg.R8, r9: Reg.R9, rax: Reg.RAX, rbx: Reg.RBX,
  rbp: Reg.RBP, r10: Reg.R10, r11: Reg.R11, r12: Reg.R12, r13: Reg.R13, r14: Reg.R14, r15: Reg.R15,
  rip: Reg.RIP, rflags: Reg.RFLAGS, rsp: Reg.RSP,
};
export const PSL_USERCHANGE = 0x244dd5n, PSL_RF = 0x10000n;

export function readSigset(b: Buffer, off: number): bigint {
  return b.readBigUInt64LE(off) | (b.readBigUInt64LE(off + 8) << 64n);
}
export function writeSigset(b: Buffer, off: number, set: bigint): void {
  b.writeBigUInt64LE(set & 0xffffffffffffffffn, off);
  b.writeBigUInt64LE((set >> 64n) & 0xffffffffffffffffn, off + 8);
}

/** Trapframe slots (offset / 8) that hold registers, as [slot, register] pairs. */
const TF_REGS = Object.entries(TF_REG).map(([f, r]) => [Trapframe.off[f as keyof typeof Trapframe.off] / 8, r] as const);
/** DIRTY bits of every register a trapframe carries. */
const TF_DIRTY = TF_REGS.reduce((m, [, r]) => m | (1 << r), 0);

/** 32-bit words of b from off (8-byte aligned), or undefined when b is not aligned for a view. */
function words(b: Buffer, off: number, len: number): Uint32Array | undefined {
  const at = b.byteOffset + off;
  return at % 4 === 0 ? new Uint32Array(b.buffer, at, len / 4) : undefined;
}

/** Write thread registers as a trapframe at `off` of `b`. */
export function putTrapframe(b: Buffer, off: number, t: GuestThread, trapno: number, addr: bigint, err: number): void {
  // Word copies from the register file: no BigInt per register (this is on every signal's path).
  const w = words(b, off, Trapframe.size);
  if (w) for (const [i, r] of TF_REGS) { w[2 * i] = t.u32[2 * r]; w[2 * i + 1] = t.u32[2 * r + 1]; }
  else for (const [i, r] of TF_REGS) b.writeBigUInt64LE(t.get(r), off + i * 8);
  const o = Trapframe.off;
  b.writeBigUInt64LE(BigInt(trapno), off + o.trapno);
  b.writeBigUInt64LE(BigInt.asUintN(64, addr), off + o.addr);
  b.writeBigUInt64LE(BigInt(err), off + o.err);
  b.writeBigUInt64LE(0x2bn, off + o.cs);
  b.writeBigUInt64LE(0x23n, off + o.ss);
}

export interface SigDelivery {
  sig: number; handler: bigint; siginfo: boolean; code: number; addr: bigint; pid: number;
  trapno: number; err: number; restoreMask: bigint; useAltStack: boolean;
}

const FRAME = Buffer.alloc(SIGFRAME_SIZE);

/** Push a signal frame and point the thread at the handler. False if the stack is unusable. */
export function pushSigframe(t: GuestThread, d: SigDelivery): boolean {
  // One scratch frame, cleared each time: it is copied out before anything else runs.
  const f = FRAME.fill(0);
  f.writeBigUInt64LE(d.handler, Sigframe.off.handler);
  writeSigset(f, UC + Ucontext.off.sigmask, d.restoreMask);
  f.writeBigUInt64LE(t.onAltStack ? 1n : 0n, MC + Mcontext.off.onstack);
  putTrapframe(f, MC + TF, t, d.trapno, d.addr, d.err);
  Mcontext.write(f, { len: Mcontext.size, fpformat: MC_FPFMT_XMM, ownedfp: MC_FPOWNED_FPU }, MC);
  t.cpu.getFpu(f.subarray(MC + FP, MC + FP + FXSAVE_SIZE));
  StackT.write(f, { sp: BigInt(t.altstack.sp), size: BigInt(t.altstack.size), flags: t.altstack.flags | (t.onAltStack ? 1 : 0) }, UC + Ucontext.off.stack);
  if (d.siginfo) Siginfo.write(f, { signo: d.sig, code: d.code, pid: d.pid, addr: BigInt.asUintN(64, d.addr) }, SI);
  let sp: number;
  if (d.useAltStack) {
    sp = t.altstack.sp + t.altstack.size - SIGFRAME_SIZE;
  } else {
    sp = t.num(Reg.RSP) - SIGFRAME_SIZE - 128;
  }
  const sfp = sp - (((sp % 16) + 16) % 16);
  if (sfp <= 0 || !t.proc.space.write(sfp, f)) return false;
  if (d.useAltStack) t.onAltStack = true;
  t.setNum(Reg.RDI, d.sig);
  t.setNum(Reg.RSI, d.siginfo ? sfp + SI : d.code);
  t.setNum(Reg.RDX, sfp + UC);
  t.set(Reg.RCX, d.addr);
  t.setNum(Reg.RSP, sfp);
  t.setNum(Reg.RIP, SIGCODE_PAGE);
  t.set(Reg.RFLAGS, t.get(Reg.RFLAGS) & ~0x500n);
  t.cpu.resetFpu();
  return true;
}

/** sigreturn's answer for a frame whose mc_cs is not a user selector: EINVAL plus SIGBUS (§4.6). */
export const SIGRETURN_BAD_CS = -22;

/** sigreturn: 0 (registers replaced), a positive errno, or SIGRETURN_BAD_CS. */
export function popSigframe(t: GuestThread, ucp: number): number {
  const uc = t.proc.space.read(ucp, UCONTEXT_SIZE);
  if (!uc) return 14; // EFAULT
  const mc = Ucontext.off.mcontext, tf = mc + TF;
  const rflags = uc.readBigUInt64LE(tf + Trapframe.off.rflags);
  const cur = t.get(Reg.RFLAGS);
  if (((rflags ^ cur) & ~(PSL_USERCHANGE | PSL_RF) & 0xffffffffn) !== 0n) return 22;
  if ((uc.readBigUInt64LE(tf + Trapframe.off.cs) & 3n) !== 3n) return SIGRETURN_BAD_CS;
  const w = words(uc, tf, Trapframe.size);
  if (w) {
    for (const [i, r] of TF_REGS) { t.u32[2 * r] = w[2 * i]; t.u32[2 * r + 1] = w[2 * i + 1]; }
    t.u32[2 * Reg.DIRTY] |= TF_DIRTY;
  } else {
    for (const [i, r] of TF_REGS) t.set(r, uc.readBigUInt64LE(tf + i * 8));
  }
  const owned = uc.readUInt32LE(mc + Mcontext.off.ownedfp);
  if (owned === MC_FPOWNED_FPU || owned === MC_FPOWNED_PCB) t.cpu.setFpu(uc.subarray(mc + FP, mc + FP + FXSAVE_SIZE));
  else t.cpu.resetFpu();
  t.onAltStack = (uc.readBigUInt64LE(mc + Mcontext.off.onstack) & 1n) !== 0n;
  t.sigmask = readSigset(uc, Ucontext.off.sigmask) & ~((1n << 8n) | (1n << 16n)); // never block SIGKILL/SIGSTOP
  return 0;
}
