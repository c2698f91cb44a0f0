// DragonFly signal frames: building them on delivery and reading them back
// in sigreturn (vkernel-host-abi.md §4.4–4.6).
import { Reg } from '../cpu/engine.js';
import { SIGCODE_PAGE } from './exec.js';
import type { GuestThread } from './thread.js';

export const SIGFRAME_SIZE = 1600;
const UC = 64;            // sf_uc within the sigframe
const MC = UC + 64;       // uc_mcontext
const SI = 1472;          // sf_si
export const UCONTEXT_SIZE = 1408;

/** Trapframe slot order: offset/8 -> register (undefined: not a register). */
export const TRAPFRAME: (Reg | undefined)[] = [
  Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9, Reg.RAX, Reg.RBX, Reg.RBP, Reg.R10, Reg.R11,
  Reg.R12, Reg.R13, Reg.R14, Reg.R15,
  undefined /* xflags */, undefined /* trapno */, undefined /* addr */, undefined /* flags */,
  undefined /* err */, Reg.RIP, undefined /* cs */, Reg.RFLAGS, Reg.RSP, undefined /* ss */,
];
export const TF = { XFLAGS: 120, TRAPNO: 128, ADDR: 136, FLAGS: 144, ERR: 152, CS: 168, SS: 192 };
export const PSL_USERCHANGE = 0x244dd5n, PSL_RF = 0x10000n;

export function readSigset(b: Buffer, off: number): bigint {
  return b.readBigUInt64LE(off) | (b.readBigUInt64LE(off + 8) << 64n);
}
export function writeSigset(b: Buffer, off: number, set: bigint): void {
  b.writeBigUInt64LE(set & 0xffffffffffffffffn, off);
  b.writeBigUInt64LE((set >> 64n) & 0xffffffffffffffffn, off + 8);
}

/** Trapframe slots that hold registers, as [slot, register] pairs. */
const TF_REGS = TRAPFRAME.flatMap((r, i) => (r === undefined ? [] : [[i, r] as const]));
/** DIRTY bits of every register a trapframe carries. */
const TF_DIRTY = TF_REGS.reduce((m, [, r]) => m | (1 << r), 0);

/** 32-bit words of b from off (8-byte aligned), or undefined when b is not aligned for a view. */
function words(b: Buffer, off: number, len: number): Uint32Array | undefined {
  const at = b.byteOffset + off;
  return at % 4 === 0 ? new Uint32Array(b.buffer, at, len / 4) : undefined;
}

/** Write thread registers as a 200-byte trapframe at `off` of `b`. */
export function putTrapframe(b: Buffer, off: number, t: GuestThread, trapno: number, addr: bigint, err: number): void {
  // Word copies from the register file: no BigInt per register (this is on every signal's path).
  const w = words(b, off, 200);
  if (w) for (const [i, r] of TF_REGS) { w[2 * i] = t.u32[2 * r]; w[2 * i + 1] = t.u32[2 * r + 1]; }
  else TRAPFRAME.forEach((r, i) => { if (r !== undefined) b.writeBigUInt64LE(t.get(r), off + i * 8); });
  b.writeBigUInt64LE(BigInt(trapno), off + TF.TRAPNO);
  b.writeBigUInt64LE(BigInt.asUintN(64, addr), off + TF.ADDR);
  b.writeBigUInt64LE(BigInt(err), off + TF.ERR);
  b.writeBigUInt64LE(0x2bn, off + TF.CS);
  b.writeBigUInt64LE(0x23n, off + TF.SS);
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
  f.writeBigUInt64LE(d.handler, 0);
  writeSigset(f, UC, d.restoreMask);
  f.writeBigUInt64LE(t.onAltStack ? 1n : 0n, MC);
  putTrapframe(f, MC + 8, t, d.trapno, d.addr, d.err);
  f.writeUInt32LE(1280, MC + 208);
  f.writeUInt32LE(0x10002, MC + 212); // _MC_FPFMT_XMM
  f.writeUInt32LE(0x20001, MC + 216); // _MC_FPOWNED_FPU
  t.cpu.getFpu(f.subarray(MC + 256, MC + 256 + 512));
  f.writeBigUInt64LE(BigInt(t.altstack.sp), UC + 1352);
  f.writeBigUInt64LE(BigInt(t.altstack.size), UC + 1360);
  f.writeInt32LE(t.altstack.flags | (t.onAltStack ? 1 : 0), UC + 1368);
  if (d.siginfo) {
    f.writeInt32LE(d.sig, SI);
    f.writeInt32LE(d.code, SI + 8);
    f.writeInt32LE(d.pid, SI + 12);
    f.writeBigUInt64LE(BigInt.asUintN(64, d.addr), SI + 24);
  }
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
  const mc = 64;
  const rflags = uc.readBigUInt64LE(mc + 8 + 176);
  const cur = t.get(Reg.RFLAGS);
  if (((rflags ^ cur) & ~(PSL_USERCHANGE | PSL_RF) & 0xffffffffn) !== 0n) return 22;
  if ((uc.readBigUInt64LE(mc + 8 + TF.CS) & 3n) !== 3n) return SIGRETURN_BAD_CS;
  const w = words(uc, mc + 8, 200);
  if (w) {
    for (const [i, r] of TF_REGS) { t.u32[2 * r] = w[2 * i]; t.u32[2 * r + 1] = w[2 * i + 1]; }
    t.u32[2 * Reg.DIRTY] |= TF_DIRTY;
  } else {
    TRAPFRAME.forEach((r, i) => { if (r !== undefined) t.set(r, uc.readBigUInt64LE(mc + 8 + i * 8)); });
  }
  const owned = uc.readUInt32LE(mc + 216);
  if (owned === 0x20001 || owned === 0x20002) t.cpu.setFpu(uc.subarray(mc + 256, mc + 256 + 512));
  else t.cpu.resetFpu();
  t.onAltStack = (uc.readBigUInt64LE(mc) & 1n) !== 0n;
  t.sigmask = readSigset(uc, 0) & ~((1n << 8n) | (1n << 16n)); // never block SIGKILL/SIGSTOP
  return 0;
}
