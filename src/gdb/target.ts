// The debugger's model of the machine: all-stop. While stopped, the
// scheduler parks every thread it picks; resuming hands threads back with
// their actions (continue, step, a signal). Every guest thread of every
// process is a gdb thread, and a vkernel thread running a guest context
// (vmspace_ctl) shows that context as one more thread.
import { Access, Exit, PROT_EXEC, Reg, type AddressSpace, type Engine } from '../cpu/engine.js';
import { sigbit, SIG, T } from '../vm/abi/signals.js';
import type { Machine, MachineDebugger, TrapInfo } from '../vm/machine.js';
import type { Process } from '../vm/process.js';
import type { GuestThread } from '../vm/thread.js';
import { CodePatches, MAX_PATCH } from './patches.js';
import { SignalPolicy } from './sigpolicy.js';
import type { RegFile } from './registers.js';
import { fromGdbSignal, toGdbSignal } from './signals.js';

/** A gdb thread: a guest thread, or the guest context it runs (context: true). */
export interface DebugThread { id: number; t: GuestThread; context: boolean }

/** RFLAGS.TF: a #DB after the next instruction. */
const TF = 0x100n;

/** The bytes a pushf at these instruction bytes pushes (8, or 2 with 0x66), 0 when it is not one. */
function pushfWidth(b: Buffer | null): number {
  if (!b) return 0;
  let i = 0, w = 8;
  for (; i < 2 && (b[i] === 0x66 || (b[i] & 0xf0) === 0x40); i++) if (b[i] === 0x66) w = 2;
  return b[i] === 0x9c ? w : 0;
}

export type StopWhy = 'swbreak' | 'hwbreak' | 'watch' | 'rwatch' | 'awatch';
export type StopReason =
  | { kind: 'signal'; thread: DebugThread | undefined; sig: number; why?: StopWhy; addr?: bigint }
  | { kind: 'exited'; status: number }
  | { kind: 'killed'; sig: number };

/** What gdb asked one thread to do: step or continue, with a signal (gdb's numbering) or 0. */
export interface ResumeAction { step: boolean; sig: number }

interface Watch { addr: bigint; len: number; kinds: number }

/** Wrap an engine so that every address space it creates is known (breakpoints go into all). */
export function trackSpaces(engine: Engine, spaces: Set<AddressSpace>, created: (s: AddressSpace) => void): Engine {
  return {
    ...engine,
    createSpace: (sibling) => {
      const s = engine.createSpace(sibling);
      spaces.add(s);
      const close = s.close.bind(s);
      // Native methods are read-only on the prototype: shadow close on the instance.
      Object.defineProperty(s, 'close', { value: () => { spaces.delete(s); close(); }, configurable: true });
      created(s);
      return s;
    },
  };
}

export class Target implements MachineDebugger {
  private stopped = true;
  private parked = new Set<GuestThread>();
  private actions = new Map<GuestThread, ResumeAction>();
  private fallback: ResumeAction | undefined;
  /** Threads single-stepping: true once their instruction ran. */
  private stepping = new Map<GuestThread, boolean>();
  /** Threads running one instruction with the trap flag we set (and whether it was set before). */
  private tfStep = new Map<GuestThread, { rip: bigint; tf: boolean; pushf: number }>();
  /** Threads whose step ended with our #DB: the SIGTRAP that follows is the step's report. */
  private tfTrapped = new Set<GuestThread>();
  /** Signals taken from threads when they stopped (DragonFly numbers), and trap details. */
  private held = new Map<GuestThread, { sig: number; trap?: TrapInfo }>();
  private passOnce = new Map<GuestThread, number>();
  /** The virtual kernel's own signals go by without stopping (`monitor signals`). */
  readonly policy = new SignalPolicy();
  /** gdb signal numbers to deliver without stopping (QPassSignals). */
  passSignals = new Set<number>();
  private lastThread: GuestThread | undefined;
  /** The thread whose stop was reported, and where: resuming it there runs over a breakpoint. */
  private eventAt: { t: GuestThread; rip: bigint } | undefined;
  private ids = new Map<GuestThread, number>();
  private ctxIds = new Map<GuestThread, number>();
  private nextId = 1;
  /** Breakpoint addresses: how many software (Z0) and hardware (Z1) insertions each has. */
  readonly breakpoints = new Map<bigint, { sw: number; hw: number }>();
  readonly watchpoints = new Map<string, Watch>();
  private appliedBps = '';
  /** gdb's int3s and the bytes under them, shared by processes with the same code. */
  readonly patches = new CodePatches();
  private appliedWatch = '';
  lastStop: StopReason | undefined;
  /** Called when the world stops (the server sends the stop reply). */
  onStop: ((r: StopReason) => void) | undefined;
  /** Breakpoints and watchpoints also stop guest contexts (`monitor contexts on`). */
  contextBreaks = false;
  /** gdb takes swbreak stop reasons (qSupported): its int3 hits come with the PC moved back. */
  swbreak = false;
  /** Whether a client holds the machine (Machine.debugger is this). */
  attached = false;

  constructor(readonly machine: Machine, readonly spaces: Set<AddressSpace>) {}

  /** A space created while attached gets the current breakpoints and watchpoints. */
  spaceCreated(s: AddressSpace): void {
    if (!this.attached) return;
    if (this.breakpoints.size) s.setBreakpoints(this.bpArray());
    if (this.watchpoints.size) s.setWatchpoints(this.watchArray());
  }

  // --- attaching -----------------------------------------------------------

  /** Take hold of the machine, stopped (before the first instruction when nothing ran yet). */
  attach(): void {
    this.attached = true;
    this.machine.debugger = this;
    if (!this.stopped) this.stopWorld({ kind: 'signal', thread: this.eventThread(), sig: 5 }, true);
    else this.lastStop ??= { kind: 'signal', thread: this.eventThread(), sig: 5 };
  }

  /** Let go: no breakpoints, held signals delivered, every thread runs on. */
  detach(): void {
    if (!this.attached) return;
    this.patches.clear();
    this.breakpoints.clear();
    this.watchpoints.clear();
    this.applyHooks();
    const everyone: ResumeAction = { step: false, sig: 0 };
    for (const [t, h] of this.held) if (!h.trap) this.repost(t, h.sig);
    this.held.clear();
    this.resume(new Map(), everyone);
    this.attached = false;
    this.machine.debugger = undefined;
    this.lastStop = undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  // --- MachineDebugger -----------------------------------------------------

  admit(t: GuestThread): boolean {
    if (this.stopped) {
      this.parked.add(t);
      return false;
    }
    if (!(this.actions.get(t) ?? this.fallback)) {
      this.parked.add(t);
      return false;
    }
    if (this.stepping.get(t) === true) {
      this.parked.add(t);
      this.stopWorld({ kind: 'signal', thread: this.threadOf(t), sig: 5 });
      return false;
    }
    this.lastThread = t;
    return true;
  }

  budget(t: GuestThread): number | undefined {
    if (!this.stepping.has(t) || this.stopped) return undefined;
    // A step is an uncounted run with the trap flag set: the CPU stops with
    // #DB after one instruction. A counted run (count 1) costs a flush of all
    // translated code when the next uncounted run starts (Unicorn drops its
    // counting hook), which made every continue after a step retranslate.
    // Guest contexts (their #DB belongs to the vkernel) and --deterministic
    // runs (counted anyway) keep count 1.
    if (t.vm || this.machine.slice !== 0) return 1;
    const rflags = t.get(Reg.RFLAGS);
    const rip = t.get(Reg.RIP);
    this.tfStep.set(t, { rip, tf: (rflags & TF) !== 0n, pushf: pushfWidth(t.proc.space.read(Number(rip), 3)) });
    t.set(Reg.RFLAGS, rflags | TF);
    return 0;
  }

  ran(t: GuestThread, reason: Exit): void {
    const tf = this.tfStep.get(t);
    if (tf) {
      this.tfStep.delete(t);
      // The trap flag is ours only for the run: no signal frame or pushf after it sees it.
      if (!tf.tf) t.set(Reg.RFLAGS, t.get(Reg.RFLAGS) & ~TF);
      // A stepped pushf pushed our TF: take it out of the pushed image too (as ptrace does).
      if (!tf.tf && tf.pushf && reason === Exit.Exception && t.regs[Reg.EXIT_VECTOR] === 1n) {
        const sp = Number(t.get(Reg.RSP));
        const img = t.proc.space.read(sp, tf.pushf);
        if (img) {
          img[1] &= ~(Number(TF) >> 8);
          t.proc.space.write(sp, img);
        }
      }
      // Ended before its instruction (the slice watchdog): the step is still to do.
      if (reason === Exit.Budget && t.get(Reg.RIP) === tf.rip) return;
      if (reason === Exit.Exception && t.regs[Reg.EXIT_VECTOR] === 1n) this.tfTrapped.add(t);
    }
    if (this.stepping.has(t) && reason !== Exit.Stop) this.stepping.set(t, true);
  }

  hit(t: GuestThread): void {
    // A hook stopped a step's run (a watchpoint or hardware breakpoint): our trap flag goes too.
    const tf = this.tfStep.get(t);
    if (tf) {
      this.tfStep.delete(t);
      if (!tf.tf) t.set(Reg.RFLAGS, t.get(Reg.RFLAGS) & ~TF);
    }
    if (t.vm && !this.contextBreaks) {
      // Guest contexts run other programs at the same addresses as the
      // vkernel's: by default only the vkernel's own threads stop.
      t.regs[Reg.DEBUG_SKIP] = t.regs[Reg.EXIT_VECTOR] === 3n ? t.get(Reg.RIP) : 0n;
      this.machine.makeRunnable(t);
      return;
    }
    this.parked.add(t);
    const vec = t.regs[Reg.EXIT_VECTOR];
    const addr = t.regs[Reg.EXIT_ADDR];
    if (vec === 3n) {
      const b = this.breakpoints.get(t.get(Reg.RIP));
      const why: StopWhy = b && b.sw === 0 && b.hw > 0 ? 'hwbreak' : 'swbreak';
      this.stopWorld({ kind: 'signal', thread: this.threadOf(t), sig: 5, why });
      return;
    }
    const w = [...this.watchpoints.values()].find((x) => addr >= x.addr && addr < x.addr + BigInt(x.len));
    const why: StopWhy = !w || w.kinds === 2 ? 'watch' : w.kinds === 1 ? 'rwatch' : 'awatch';
    this.stopWorld({ kind: 'signal', thread: this.threadOf(t), sig: 5, why, addr: w ? addr : addr });
  }

  signal(t: GuestThread, sig: number, trap?: TrapInfo): boolean {
    // The #DB of our own single step: the step is done, the guest sees nothing.
    if (this.tfTrapped.delete(t) && sig === SIG.SIGTRAP && trap) {
      this.parked.add(t);
      this.stopWorld({ kind: 'signal', thread: this.threadOf(t), sig: 5 });
      return true;
    }
    if (this.passOnce.get(t) === sig) {
      this.passOnce.delete(t);
      return false;
    }
    if (sig === SIG.SIGKILL) return false;
    if (this.policy.passes(t.proc, sig, trap)) {
      if (!this.stepping.has(t)) return false;
      // A step of a vkernel thread does not wander into its interrupt
      // handlers: the signal waits until the step is over (like an IRQ
      // masked during a hardware single step). A fault cannot wait.
      if (!trap) {
        t.pending |= sigbit(sig);
        return true;
      }
    }
    // gdb's own int3: the PC goes back onto it and the stop says swbreak.
    if (trap && sig === SIG.SIGTRAP && trap.trapno === T.BPTFLT && this.swbreak && !t.vm) {
      const at = t.get(Reg.RIP) - 1n;
      if (this.patches.isInt3(Number(at))) {
        t.set(Reg.RIP, at);
        this.parked.add(t);
        this.stopWorld({ kind: 'signal', thread: this.threadOf(t), sig: 5, why: 'swbreak' });
        return true;
      }
    }
    // Passed signals go by silently, except to a thread being stepped: gdb
    // must see those to step over the handler (gdbserver does the same).
    if (this.passSignals.has(toGdbSignal(sig)) && !this.stepping.has(t)) return false;
    if (this.stopped) {
      // Not expected (stopped threads do not run); keep the signal for later.
      if (!trap) this.repost(t, sig);
      return true;
    }
    this.held.set(t, { sig, trap });
    this.parked.add(t);
    this.stopWorld({ kind: 'signal', thread: this.threadOf(t), sig: toGdbSignal(sig) });
    return true;
  }

  // --- stopping and resuming ---------------------------------------------------

  /** Ctrl-C: stop everything now (no guest code runs while Node serves the socket). */
  interrupt(): void {
    if (!this.stopped) this.stopWorld({ kind: 'signal', thread: this.eventThread(), sig: 2 });
  }

  private stopWorld(r: StopReason, quiet = false): void {
    if (this.stopped) return;
    this.stopped = true;
    this.actions.clear();
    this.fallback = undefined;
    this.stepping.clear();
    this.eventAt = undefined;
    if (r.kind === 'signal' && r.thread) this.eventAt = { t: r.thread.t, rip: r.thread.t.get(Reg.RIP) };
    this.lastStop = r;
    if (!quiet) this.onStop?.(r);
  }

  /** Guest ended (the first process exited): what gdb is told, from its wait status. */
  exited(): void {
    const status = this.machine.init?.status ?? 0;
    const sig = status & 0x7f;
    this.lastStop = sig ? { kind: 'killed', sig: toGdbSignal(sig) } : { kind: 'exited', status: (status >> 8) & 0xff };
    this.stopped = true;
  }

  /**
   * Resume: each thread does what `perThread` says, or `fallback`; threads
   * with neither stay stopped. Returns false when nothing could run.
   */
  resume(perThread: Map<GuestThread, ResumeAction>, fallback: ResumeAction | undefined): boolean {
    if (!this.stopped) return true;
    this.applyHooks();
    this.actions = perThread;
    this.fallback = fallback;
    let any = false;
    for (const t of this.liveThreads()) {
      const a = perThread.get(t) ?? fallback;
      const held = this.held.get(t);
      if (!a) continue;
      any = true;
      this.held.delete(t);
      if (a.step) this.stepping.set(t, false);
      const rip = t.get(Reg.RIP);
      if (this.eventAt?.t === t && this.eventAt.rip === rip) t.regs[Reg.DEBUG_SKIP] = rip;
      if (a.sig) this.inject(t, a.sig, held);
    }
    if (!any) return false;
    this.stopped = false;
    for (const t of [...this.parked]) {
      if (!(perThread.get(t) ?? fallback)) continue;
      this.parked.delete(t);
      this.machine.makeRunnable(t);
    }
    return true;
  }

  /** Deliver gdb signal `g` to t as it resumes (the held one when it is the same). */
  private inject(t: GuestThread, g: number, held: { sig: number; trap?: TrapInfo } | undefined): void {
    const sig = fromGdbSignal(g);
    if (!sig) return;
    if (held?.trap && held.sig === sig) {
      this.passOnce.set(t, sig);
      const tr = held.trap;
      this.machine.trapSignal(t, sig, tr.code, tr.addr, tr.trapno, tr.err);
      this.passOnce.delete(t);
      return;
    }
    this.repost(t, sig);
  }

  private repost(t: GuestThread, sig: number): void {
    this.passOnce.set(t, sig);
    t.pending |= sigbit(sig);
    this.machine.interrupt(t);
  }

  /** `k`: end the guest. */
  kill(): void {
    this.patches.clear();
    this.breakpoints.clear();
    this.watchpoints.clear();
    this.applyHooks();
    for (const p of [...this.machine.procs.values()]) if (p !== this.machine.init) this.machine.killProcess(p, SIG.SIGKILL);
    if (this.machine.init) this.machine.killProcess(this.machine.init, SIG.SIGKILL);
    this.attached = false;
    this.machine.debugger = undefined;
    for (const t of this.parked) this.machine.makeRunnable(t);
    this.parked.clear();
  }

  // --- threads ---------------------------------------------------------------------

  liveThreads(): GuestThread[] {
    const out: GuestThread[] = [];
    const procs = [...this.machine.procs.values()].sort((a, b) => a.pid - b.pid);
    for (const p of procs) {
      if (p.state !== 'running') continue;
      out.push(...[...p.threads.values()].filter((t) => t.state !== 'dead').sort((a, b) => a.tid - b.tid));
    }
    return out;
  }

  /** Every gdb thread, in a stable order. */
  threads(): DebugThread[] {
    const out: DebugThread[] = [];
    for (const t of this.liveThreads()) {
      out.push({ id: this.idOf(t, false), t, context: false });
      if (t.vm) out.push({ id: this.idOf(t, true), t, context: true });
    }
    return out;
  }

  find(id: number): DebugThread | undefined {
    return this.threads().find((d) => d.id === id);
  }

  /** The gdb thread an event of t belongs to: its guest context when it runs one. */
  threadOf(t: GuestThread): DebugThread {
    return { id: this.idOf(t, !!t.vm), t, context: !!t.vm };
  }

  private idOf(t: GuestThread, context: boolean): number {
    const m = context ? this.ctxIds : this.ids;
    let id = m.get(t);
    if (id === undefined) {
      id = this.nextId++;
      m.set(t, id);
    }
    return id;
  }

  /** The thread to name when no particular one stopped. */
  eventThread(): DebugThread | undefined {
    const t = this.lastThread && this.lastThread.state !== 'dead' ? this.lastThread : this.liveThreads()[0];
    return t ? this.threadOf(t) : undefined;
  }

  // --- registers and memory ----------------------------------------------------

  regs(d: DebugThread): RegFile {
    const t = d.t;
    // A vkernel thread inside a guest context: its own registers are the saved ones.
    const saved = !d.context && t.vm ? t.vm.saved : undefined;
    return {
      get: (r) => (saved ? saved[r] : t.get(r)),
      set: (r, v) => {
        if (saved) saved[r] = BigInt.asUintN(64, v);
        else t.set(r, v);
      },
      fpu: () => t.cpu.getFpu(),
      setFpu: (img) => t.cpu.setFpu(img),
    };
  }

  spaceOf(d: DebugThread): AddressSpace {
    return d.context && d.t.vm ? d.t.vm.space : d.t.proc.space;
  }

  /** Up to len bytes from addr: the readable prefix, or null when none is. */
  readMemory(d: DebugThread, addr: bigint, len: number): Buffer | null {
    const s = this.spaceOf(d);
    const a = Number(addr);
    if (addr >= 1n << 64n || !Number.isSafeInteger(a)) return null;
    const whole = s.read(a, len);
    if (whole) return whole;
    const parts: Buffer[] = [];
    for (let at = a; at < a + len;) {
      const n = Math.min(a + len - at, 4096 - (at % 4096));
      const b = s.read(at, n);
      if (!b) break;
      parts.push(b);
      at += n;
    }
    return parts.length ? Buffer.concat(parts) : null;
  }

  /**
   * Write guest memory as a debugger may: read-only pages too (text). A
   * short write into code is a breakpoint: it goes to every process running
   * the same code there (patches.ts).
   */
  writeMemory(d: DebugThread, addr: bigint, data: Buffer): boolean {
    const s = this.spaceOf(d);
    const a = Number(addr);
    if (!Number.isSafeInteger(a) || !data.length) return data.length === 0;
    const code = !d.context && data.length <= MAX_PATCH
      && s.regions().some((r) => r.start < a + data.length && r.end > a && r.prot & PROT_EXEC);
    if (!code) return writeThrough(s, a, data);
    const targets = this.patches.targets(s, this.processSpaces(), a, data);
    let ok = true;
    for (const t of targets) ok = writeThrough(t, a, data) && ok;
    return ok;
  }

  /** The address spaces of live processes (a vfork child shares its parent's). */
  private processSpaces(): Set<AddressSpace> {
    const out = new Set<AddressSpace>();
    for (const p of this.machine.procs.values()) if (p.state === 'running') out.add(p.space);
    return out;
  }

  /** A process exec'd: gdb's breakpoints go into the new image where it is the same program. */
  execed(_p: Process, old: AddressSpace, now: AddressSpace): void {
    if (this.patches.size) this.patches.carry(old, now, writeThrough);
  }

  /** Whether [addr, addr+len) is mapped in d's space (for watchpoints). */
  mapped(d: DebugThread, addr: bigint, len: number): boolean {
    return Number.isSafeInteger(Number(addr)) && this.spaceOf(d).check(Number(addr), len, Access.Read);
  }

  // --- breakpoints and watchpoints -------------------------------------------------

  addBreakpoint(addr: bigint, hw: boolean): void {
    const b = this.breakpoints.get(addr) ?? { sw: 0, hw: 0 };
    if (hw) b.hw++;
    else b.sw++;
    this.breakpoints.set(addr, b);
  }

  removeBreakpoint(addr: bigint, hw: boolean): void {
    const b = this.breakpoints.get(addr);
    if (!b) return;
    if (hw) b.hw = Math.max(0, b.hw - 1);
    else b.sw = Math.max(0, b.sw - 1);
    if (!b.sw && !b.hw) this.breakpoints.delete(addr);
  }

  addWatch(addr: bigint, len: number, kinds: number): void {
    this.watchpoints.set(`${addr}:${len}:${kinds}`, { addr, len, kinds });
  }

  removeWatch(addr: bigint, len: number, kinds: number): void {
    this.watchpoints.delete(`${addr}:${len}:${kinds}`);
  }

  private bpArray(): BigUint64Array {
    return new BigUint64Array([...this.breakpoints.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private watchArray(): BigUint64Array {
    return new BigUint64Array([...this.watchpoints.values()].flatMap((w) => [w.addr, BigInt(w.len), BigInt(w.kinds)]));
  }

  /** Push changed breakpoint and watchpoint sets into every engine (gdb re-inserts the same set at each resume). */
  private applyHooks(): void {
    const bps = this.bpArray();
    const bkey = bps.join(',');
    if (bkey !== this.appliedBps) {
      for (const s of this.spaces) s.setBreakpoints(bps);
      this.appliedBps = bkey;
    }
    const ws = this.watchArray();
    const wkey = ws.join(',');
    if (wkey !== this.appliedWatch) {
      for (const s of this.spaces) s.setWatchpoints(ws);
      this.appliedWatch = wkey;
    }
  }
}

/** Write s as a debugger may: read-only private pages too (text), then drop translated code there. */
export function writeThrough(s: AddressSpace, a: number, data: Buffer): boolean {
  const ok = s.write(a, data) || s.poke(a, data);
  if (ok && s.regions().some((r) => r.start < a + data.length && r.end > a && r.prot & PROT_EXEC)) s.flushCode(a, a + data.length);
  return ok;
}
