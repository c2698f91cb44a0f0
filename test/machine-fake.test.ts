// The scheduler and signal delivery of the real Machine, on the fake engine
// (test/fake-engine.ts): the guest's side is a script per thread that sets
// registers and exits the way compiled code would (system calls by number,
// DragonFly's convention: carry set on error), so these run in-process in
// milliseconds. The program is only loaded (stack, auxv, trampoline page), never executed.
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Exit, Reg } from '../src/cpu/engine.js';
import { linuxHost } from '../src/host/linux.js';
import { SIG, sigbit } from '../src/vm/abi/signals.js';
import { SIGCODE_PAGE } from '../src/vm/exec.js';
import { Machine, type MachineOptions } from '../src/vm/machine.js';
import { FakeEngine, type FakeSpace, type FakeThread } from './fake-engine.js';
import { ROOT } from './helpers.js';

const PROGRAM = path.join(ROOT, 'images/build/c/hello');
const SYS = {
  exit: 1, fork: 2, wait4: 7, getpid: 20, kill: 37, sigprocmask: 340, sigaction: 342, sigreturn: 344,
  varsym_set: 450, varsym_get: 451, umtx_sleep: 469, umtx_wakeup: 470,
};
const ENOENT = 2, EAGAIN = 35;
const SA_SIGINFO = 0x40, SIG_BLOCK = 1, SIG_SETMASK = 3;
const HANDLER = 0x401000n;

/** One thread's guest code: yields each exit; reads results from the registers after the yield. */
type Script = Generator<Exit, void, void>;

/** A system call from guest code: yields the exit, then returns RAX (negative errno when carry is set). */
function* syscall(cpu: FakeThread, num: number, ...args: (number | bigint)[]): Generator<Exit, bigint, void> {
  const argRegs = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9];
  cpu.regs[Reg.RAX] = BigInt(num);
  args.forEach((a, i) => { cpu.regs[argRegs[i]] = BigInt.asUintN(64, BigInt(a)); });
  yield Exit.Syscall;
  return cpu.regs[Reg.RFLAGS] & 1n ? -cpu.regs[Reg.RAX] : cpu.regs[Reg.RAX];
}

/** A machine on the fake engine running `script(cpu)` for every thread; signal handlers are recorded and return at once. */
function fakeMachine(script: (cpu: FakeThread, space: FakeSpace) => Script, opts: MachineOptions = { deterministic: true }): {
  m: Machine; engine: FakeEngine; handled: { cpu: FakeThread; sig: number; mask: bigint }[]; logs: string[];
} {
  const scripts = new Map<FakeThread, Script>();
  const handled: { cpu: FakeThread; sig: number; mask: bigint }[] = [];
  const logs: string[] = [];
  let m: Machine | undefined;
  const engine = new FakeEngine((cpu, space) => {
    if (cpu.regs[Reg.RIP] === BigInt(SIGCODE_PAGE)) {
      // The trampoline: the handler runs (here: is recorded, with the mask it runs under), then sigreturn(uc).
      const t = [...m!.procs.values()].flatMap((p) => [...p.threads.values()]).find((x) => x.cpu === cpu)!;
      handled.push({ cpu, sig: Number(cpu.regs[Reg.RDI]), mask: t.sigmask });
      cpu.regs[Reg.RAX] = BigInt(SYS.sigreturn);
      cpu.regs[Reg.RDI] = cpu.regs[Reg.RDX];
      return Exit.Syscall;
    }
    let s = scripts.get(cpu);
    if (!s) scripts.set(cpu, s = script(cpu, space));
    const r = s.next();
    if (r.done) throw new Error('guest script ran off its end');
    return r.value;
  });
  m = new Machine(engine, { ...opts, log: (l) => logs.push(l) }, linuxHost());
  return { m, engine, handled, logs };
}

/** Scratch memory for a script: below the initial stack pointer, which the loader mapped read/write. */
function scratch(cpu: FakeThread): number {
  return Number(cpu.regs[Reg.RSP]) - 0x4000;
}

function sigset(...sigs: number[]): Buffer {
  const b = Buffer.alloc(16);
  let set = 0n;
  for (const s of sigs) set |= sigbit(s);
  b.writeBigUInt64LE(set & ((1n << 64n) - 1n), 0);
  b.writeBigUInt64LE(set >> 64n, 8);
  return b;
}

describe('Machine on the fake engine', () => {
  it('delivers pending signals lowest number first, one frame each, and restores the mask and registers', async () => {
    const seen: Record<string, unknown> = {};
    const { m, handled, logs } = fakeMachine(function* (cpu, space): Script {
      const buf = scratch(cpu);
      // struct sigaction: handler, flags, sa_mask.
      const act = Buffer.alloc(32);
      act.writeBigUInt64LE(HANDLER, 0);
      act.writeInt32LE(SA_SIGINFO, 8);
      space.write(buf, act);
      for (const sig of [SIG.SIGINT, SIG.SIGUSR1, SIG.SIGUSR2]) {
        expect(yield* syscall(cpu, SYS.sigaction, sig, buf, 0)).toBe(0n);
      }
      space.write(buf + 64, sigset(SIG.SIGINT, SIG.SIGUSR1, SIG.SIGUSR2));
      expect(yield* syscall(cpu, SYS.sigprocmask, SIG_BLOCK, buf + 64, 0)).toBe(0n);
      const pid = yield* syscall(cpu, SYS.getpid);
      for (const sig of [SIG.SIGUSR2, SIG.SIGINT, SIG.SIGUSR1]) expect(yield* syscall(cpu, SYS.kill, pid, sig)).toBe(0n);
      seen.whileBlocked = handled.length;
      cpu.regs[Reg.R12] = 0x1234n;
      space.write(buf + 96, sigset());
      // Unblocking makes all three deliverable at once: each is delivered after the previous handler's sigreturn.
      seen.unblock = yield* syscall(cpu, SYS.sigprocmask, SIG_SETMASK, buf + 96, buf + 128);
      seen.r12 = cpu.regs[Reg.R12];
      seen.oldMask = space.read(buf + 128, 16)!.equals(sigset(SIG.SIGINT, SIG.SIGUSR1, SIG.SIGUSR2));
      expect(yield* syscall(cpu, SYS.sigprocmask, SIG_BLOCK, 0, buf + 160)).toBe(0n);
      seen.maskAfter = space.read(buf + 160, 16)!.equals(sigset());
      yield* syscall(cpu, SYS.exit, 3);
    });
    m.spawn(PROGRAM, ['hello'], []);
    expect(await m.run(), logs.join('\n')).toBe(3);
    expect(seen.whileBlocked).toBe(0);
    expect(handled.map((h) => h.sig)).toEqual([SIG.SIGINT, SIG.SIGUSR1, SIG.SIGUSR2]);
    // Each handler runs with its own signal added to the mask it interrupted (empty by then).
    expect(handled.map((h) => h.mask)).toEqual([sigbit(SIG.SIGINT), sigbit(SIG.SIGUSR1), sigbit(SIG.SIGUSR2)]);
    // The interrupted sigprocmask's result and the other registers come back through each frame.
    expect(seen).toMatchObject({ unblock: 0n, r12: 0x1234n, oldMask: true, maskAfter: true });
    expect(logs).toEqual([]);
  });

  it('preempts spinning threads round-robin, counts their slices, and wakes a waiting parent', async () => {
    const SPINS = 5;
    const order: string[] = [];
    let status = -1;
    const { m, engine, logs } = fakeMachine(function* (cpu, space): Script {
      if (cpu.parent) {
        // The fork child: returns 0 with rdx = 1, spins, exits 7.
        expect([cpu.regs[Reg.RAX], cpu.regs[Reg.RDX]]).toEqual([0n, 1n]);
        for (let i = 0; i < SPINS; i++) { order.push('C'); yield Exit.Budget; }
        yield* syscall(cpu, SYS.exit, 7);
        return;
      }
      const child = yield* syscall(cpu, SYS.fork);
      expect(child).toBeGreaterThan(0n);
      for (let i = 0; i < SPINS; i++) { order.push('P'); yield Exit.Budget; }
      const buf = scratch(cpu);
      expect(yield* syscall(cpu, SYS.wait4, child, buf, 0, 0)).toBe(child);
      status = space.read(buf, 4)!.readInt32LE(0);
      yield* syscall(cpu, SYS.exit, 0);
    });
    const p = m.spawn(PROGRAM, ['hello'], []);
    const parent = [...p.threads.values()][0];
    expect(await m.run(), logs.join('\n')).toBe(0);
    // The parent keeps the CPU through fork (a system call is not the end of a slice), then they alternate.
    expect(order.join('')).toBe('PCPCPCPCPC');
    expect(parent.slices).toBe(SPINS);
    expect(status).toBe(7 << 8);
    // Two spaces (the fork copied the parent's), both closed at exit.
    expect(engine.spaces.map((s) => s.closed)).toEqual([true, true]);
    expect(logs).toEqual([]);
  });

  it('gives each Machine its own kernel state: varsyms and umtx sleepers of one are not seen by another', async () => {
    const cstr = (space: FakeSpace, at: number, text: string): number => { space.write(at, Buffer.from(text + '\0')); return at; };
    // A sets a variable, then sleeps on a word of its (pid 100's) memory; B, also pid 100, looks
    // the variable up and wakes that address.
    const results: Record<string, bigint> = {};
    let sleepAddr = 0;
    const a = fakeMachine(function* (cpu, space): Script {
      const buf = scratch(cpu);
      results.set = yield* syscall(cpu, SYS.varsym_set, 0, cstr(space, buf, 'VKEMU_KERNEL_TEST'), cstr(space, buf + 64, 'a'));
      sleepAddr = buf + 128;
      space.write(sleepAddr, Buffer.alloc(4));
      results.sleep = yield* syscall(cpu, SYS.umtx_sleep, sleepAddr, 0, 0);
      yield* syscall(cpu, SYS.exit, 1);
    }, {}); // on the host clock: on the virtual one a sleep with nothing else to run times out at once
    const b = fakeMachine(function* (cpu, space): Script {
      const buf = scratch(cpu);
      results.get = yield* syscall(cpu, SYS.varsym_get, 0, cstr(space, buf, 'VKEMU_KERNEL_TEST'), buf + 64, 64);
      results.wakeup = yield* syscall(cpu, SYS.umtx_wakeup, sleepAddr, 0);
      yield* syscall(cpu, SYS.exit, 0);
    });
    const pa = a.m.spawn(PROGRAM, ['hello'], []);
    const ta = [...pa.threads.values()][0];
    const ra = a.m.run();
    await vi.waitFor(() => expect(ta.wait?.what).toBe('umtx_sleep'));
    const pb = b.m.spawn(PROGRAM, ['hello'], []);
    expect(pb.pid).toBe(pa.pid);
    expect(await b.m.run(), b.logs.join('\n')).toBe(0);
    expect(results).toMatchObject({ set: 0n, get: -BigInt(ENOENT), wakeup: 0n });
    // B's wakeup found no sleeper of its own: A sleeps on until it is killed (or, on a host too slow
    // to run B within umtx_sleep's 2 s, times out with EAGAIN), never woken.
    if (ta.state === 'blocked') a.m.postSignal(pa, SIG.SIGKILL);
    await ra;
    expect(results.sleep === undefined || results.sleep === -BigInt(EAGAIN), `umtx_sleep returned ${results.sleep}`).toBe(true);
    expect(a.m.kernel.varsyms.get('VKEMU_KERNEL_TEST')).toBe('a');
    expect(a.logs.filter((l) => !l.includes('killed by SIGKILL'))).toEqual([]);
    expect(b.logs).toEqual([]);
  });
});
