// The vmspaces of a virtual kernel share one engine (native/src/core.cc): what one
// space does must not leak into another's code, breakpoints or watchpoints. Driven
// at the engine interface with a hand-made memory image (one page table mapping
// CODE_VA), as a vkernel's pmap would set it up. First found by a review, each
// failed before its fix: stale code after a page rewritten while still mapped,
// watchpoints wiped by a sibling's (empty) set, breakpoints missed by a space whose
// code was translated before them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapKind, PROT_READ, PROT_WRITE, Reg, REG_SLOTS, type AddressSpace, type CpuThread } from '../src/cpu/engine.js';
import { Exit } from '../src/cpu/regfile.js';
import { unicornEngine } from '../src/cpu/unicorn.js';
import { Trapframe } from '../src/vm/abi/structs.js';

const PROT_EXEC = 4;
const PAGE = 4096;
const CODE_VA = 0x400000;
const engine = unicornEngine();

// mov eax, imm32; syscall
function code(v: number): Buffer {
  const b = Buffer.from([0xb8, 0, 0, 0, 0, 0x0f, 0x05]);
  b.writeUInt32LE(v, 1);
  return b;
}

function thread(space: AddressSpace): { t: CpuThread; regs: BigUint64Array } {
  const regs = new BigUint64Array(REG_SLOTS);
  return { t: engine.createThread(space, regs), regs };
}

/**
 * Run from `rip` to the first exit that is not the end of a time slice (a busy host can end
 * one early). A slice that ends inside a guest context goes on in `guest`, as the scheduler does.
 */
function runAt(space: AddressSpace, th: { t: CpuThread; regs: BigUint64Array }, rip: number, guest?: AddressSpace): { exit: Exit; rax: bigint } {
  th.regs[Reg.RIP] = BigInt(rip);
  th.regs[Reg.RAX] = 0n;
  th.regs[Reg.DIRTY] |= (1n << BigInt(Reg.RIP)) | (1n << BigInt(Reg.RAX));
  let exit = space.run(th.t, 0);
  for (let i = 0; exit === Exit.Budget && i < 100; i++) exit = (guest && th.regs[Reg.CTX_ACTIVE] ? guest : space).run(th.t, 0);
  return { exit, rax: th.regs[Reg.RAX] };
}

// A memory image with one 4-level page table mapping CODE_VA to image page 4.
let dir = '';
let imgFd = -1;
const MASTER = 0x0n | 3n;  // PML4 at image offset 0, V|RW
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-shared-engine-'));
  const img = Buffer.alloc(16 * PAGE);
  const pindex = CODE_VA / PAGE;
  const e = (frame: number, bits: number) => BigInt(frame) | BigInt(bits);
  img.writeBigUInt64LE(e(0x1000, 7), ((pindex >> 27) & 511) * 8);
  img.writeBigUInt64LE(e(0x2000, 7), 0x1000 + ((pindex >> 18) & 511) * 8);
  img.writeBigUInt64LE(e(0x3000, 7), 0x2000 + ((pindex >> 9) & 511) * 8);
  img.writeBigUInt64LE(e(0x4000, 0x67), 0x3000 + (pindex & 511) * 8);
  code(1).copy(img, 0x4000);
  const file = path.join(dir, 'image');
  fs.writeFileSync(file, img);
  imgFd = fs.openSync(file, 'r+');
});
afterAll(() => {
  fs.closeSync(imgFd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function vmspace(sibling?: AddressSpace): AddressSpace {
  const s = engine.createSpace(sibling);
  expect(s.map(0, 0x1000000, PROT_READ | PROT_WRITE | PROT_EXEC, MapKind.VPageTable, imgFd, 0)).toBe(0);
  expect(s.setMasterPde(0, 0x1000000, MASTER)).toBe(0);
  return s;
}

describe('stale code across vmspaces of one engine', () => {
  it('a page rewritten while still mapped, then invalidated: the next process runs the new code', () => {
    fs.writeSync(imgFd, code(1), 0, 7, 0x4000);
    const a = vmspace();
    const b = vmspace(a);
    const own = vmspace();  // an engine of its own: what an engine per vmspace did
    try {
      const ta = thread(a);
      expect(runAt(a, ta, CODE_VA)).toEqual({ exit: Exit.Syscall, rax: 1n });
      // The vkernel (its own engine) or a host read rewrites the page while a still maps it,
      // e.g. write(2) into a file page another process has mapped executable...
      fs.writeSync(imgFd, code(2), 0, 7, 0x4000);
      // ...and only later takes a's mapping down (process exit, MADV_INVAL).
      a.inval(CODE_VA, PAGE);
      const tb = thread(b);
      const tOwn = thread(own);
      const fresh = runAt(own, tOwn, CODE_VA);
      const shared = runAt(b, tb, CODE_VA);
      expect(fresh.rax, 'an engine of its own sees the new code').toBe(2n);
      expect(shared.rax, 'another vmspace of the shared engine must see the new code too').toBe(2n);
    } finally {
      a.close(); b.close(); own.close();
    }
  });

  it('control: rewritten after the invalidation, the new code is seen', () => {
    fs.writeSync(imgFd, code(1), 0, 7, 0x4000);
    const a = vmspace();
    const b = vmspace(a);
    try {
      const ta = thread(a);
      expect(runAt(a, ta, CODE_VA).rax).toBe(1n);
      a.inval(CODE_VA, PAGE);
      fs.writeSync(imgFd, code(3), 0, 7, 0x4000);
      const tb = thread(b);
      expect(runAt(b, tb, CODE_VA).rax).toBe(3n);
    } finally {
      a.close(); b.close();
    }
  });
});

describe('debugger watchpoints on vmspaces of one engine', () => {
  function space(sibling?: AddressSpace): AddressSpace {
    const s = engine.createSpace(sibling);
    expect(s.map(CODE_VA, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MapKind.PrivateAnon, -1, 0)).toBe(0);
    expect(s.map(0x10000, PAGE, PROT_READ | PROT_WRITE, MapKind.PrivateAnon, -1, 0)).toBe(0);
    // mov [0x10000], rax; syscall
    expect(s.write(CODE_VA, Buffer.from([0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x05]))).toBe(true);
    return s;
  }
  const watch = new BigUint64Array([0x10000n, 8n, 2n]);

  it('control: one space, the write stops', () => {
    const a = space();
    try {
      a.setWatchpoints!(watch);
      expect(runAt(a, thread(a), CODE_VA).exit).toBe(Exit.Stop);
    } finally {
      a.close();
    }
  });

  it('the same watchpoint pushed into every space (Target.applyHooks) still stops the first one', () => {
    const a = space();
    const b = space(a);
    try {
      for (const s of [a, b]) s.setWatchpoints!(watch);
      expect(runAt(a, thread(a), CODE_VA).exit).toBe(Exit.Stop);
    } finally {
      a.close(); b.close();
    }
  });

  it('a vmspace created while attached (Target.spaceCreated) keeps the others\' watchpoints', () => {
    const a = space();
    try {
      a.setWatchpoints!(watch);
      const b = engine.createSpace(a);  // a new, still empty vmspace (the guest forked)
      b.setWatchpoints!(watch);
      expect(runAt(a, thread(a), CODE_VA).exit).toBe(Exit.Stop);
      b.close();
    } finally {
      a.close();
    }
  });
});

describe('self-modifying code through the shared engine (control)', () => {
  it('a write by another vmspace of the engine to the code page is seen', () => {
    fs.writeSync(imgFd, code(1), 0, 7, 0x4000);
    const a = vmspace();
    const b = vmspace(a);
    try {
      const ta = thread(a);
      expect(runAt(a, ta, CODE_VA).rax).toBe(1n);
      // b writes imm32 = 7 at CODE_VA + 1 with its own code on an anonymous page.
      expect(b.map(0x2000000, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MapKind.PrivateAnon, -1, 0)).toBe(0);
      // mov dword [CODE_VA+1], 7; syscall
      expect(b.write(0x2000000, Buffer.from([0xc7, 0x04, 0x25, 0x01, 0x00, 0x40, 0x00, 0x07, 0, 0, 0, 0x0f, 0x05]))).toBe(true);
      const tb = thread(b);
      expect(runAt(b, tb, 0x2000000).exit).toBe(Exit.Syscall);
      expect(runAt(a, ta, CODE_VA).rax).toBe(7n);
    } finally {
      a.close(); b.close();
    }
  });
});

/** A space on an engine of its own, or on `sibling`'s, with code returning `v` at CODE_VA. */
function codeSpace(v: number, sibling?: AddressSpace): AddressSpace {
  const s = engine.createSpace(sibling);
  expect(s.map(CODE_VA, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MapKind.PrivateAnon, -1, 0)).toBe(0);
  expect(s.write(CODE_VA, code(v))).toBe(true);
  return s;
}

describe('debugger breakpoints on vmspaces of one engine', () => {
  const bp = new BigUint64Array([BigInt(CODE_VA)]);
  const other = new BigUint64Array([0x500000n]);
  const both = new BigUint64Array([0x500000n, BigInt(CODE_VA)]);
  // Code translated before the breakpoint exists; `before` is the set the spaces had then.
  for (const [what, before, after] of [['a first breakpoint', undefined, bp], ['a breakpoint added to another', other, both]] as const) {
    for (const shared of [false, true]) {
      it(`${shared ? 'shared engine' : 'engines of their own (control)'}: ${what}, pushed into every space, stops both`, () => {
        const a = codeSpace(1);
        const b = codeSpace(2, shared ? a : undefined);
        try {
          const ta = thread(a), tb = thread(b);
          if (before) for (const s of [a, b]) s.setBreakpoints!(before);
          expect(runAt(a, ta, CODE_VA).rax).toBe(1n);
          expect(runAt(b, tb, CODE_VA).rax).toBe(2n);
          for (const s of [a, b]) s.setBreakpoints!(after);
          expect(runAt(a, ta, CODE_VA).exit).toBe(Exit.Stop);
          expect(runAt(b, tb, CODE_VA).exit).toBe(Exit.Stop);
        } finally {
          a.close(); b.close();
        }
      });
    }
  }
});

describe('vmspace_ctl(RUN) served in C++ (CTX_FAST)', () => {
  const ID = 0x1234;
  function vkernel(tframe: number): { h: AddressSpace; v: AddressSpace } {
    const h = engine.createSpace();
    expect(h.map(0x800000, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MapKind.PrivateAnon, -1, 0)).toBe(0);
    expect(h.map(0x600000, 2 * PAGE, PROT_READ | PROT_WRITE, MapKind.PrivateAnon, -1, 0)).toBe(0);
    const imm = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return [...b]; };
    const prog = Buffer.from([
      0x48, 0xc7, 0xc0, ...imm(488),       // mov rax, SYS_vmspace_ctl
      0x48, 0xc7, 0xc7, ...imm(ID),        // mov rdi, id
      0x48, 0xc7, 0xc6, ...imm(1),         // mov rsi, VMSPACE_CTL_RUN
      0x48, 0xc7, 0xc2, ...imm(tframe),    // mov rdx, tframe
      0x49, 0xc7, 0xc2, ...imm(0x601000),  // mov r10, vframe
      0x0f, 0x05,                          // syscall
      0x48, 0x89, 0xc3,                    // mov rbx, rax
      0x48, 0xc7, 0xc0, ...imm(1234),      // mov rax, 1234
      0x0f, 0x05,                          // syscall (TypeScript's)
    ]);
    expect(h.write(0x800000, prog)).toBe(true);
    expect(h.write(0x600000, Trapframe.encode({ rip: BigInt(CODE_VA), rflags: 0x202n }))).toBe(true);
    const v = vmspace();
    h.setVmspace(BigInt(ID), v);
    return { h, v };
  }

  it('enters, runs the guest to its system call, leaves and goes on in the vkernel', () => {
    fs.writeSync(imgFd, code(77), 0, 7, 0x4000);
    const { h, v } = vkernel(0x600000);
    try {
      const th = thread(h);
      th.regs[Reg.CTX_FAST] = 1n;
      const r = runAt(h, th, 0x800000, v);
      expect(r.exit).toBe(Exit.Syscall);
      expect(r.rax).toBe(1234n);
      expect(th.regs[Reg.RBX]).toBe(0n);
      expect(th.regs[Reg.CTX_ACTIVE]).toBe(0n);
      const out = Trapframe.read(h.read(0x600000, Trapframe.size)!);
      expect(out.rax).toBe(77n);
      expect(out.trapno).toBe(0x81n);   // T_FAST_SYSCALL
    } finally {
      v.close(); h.close();
    }
  });

  it('a trapframe pointer to nowhere is left to TypeScript (no crash, no context entered)', () => {
    const { h, v } = vkernel(0x700000);
    try {
      const th = thread(h);
      th.regs[Reg.CTX_FAST] = 1n;
      const r = runAt(h, th, 0x800000, v);
      expect(r.exit).toBe(Exit.Syscall);
      expect(r.rax).toBe(488n);
      expect(th.regs[Reg.CTX_ACTIVE]).toBe(0n);
    } finally {
      v.close(); h.close();
    }
  });
});
