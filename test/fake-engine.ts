// A fake engine: the Engine interface (src/cpu/engine.ts) in TypeScript,
// with memory as a map of pages, VMA bookkeeping from VmaList (the memory
// layer's) and no CPU. `run` asks the test what the guest does: the test sets
// registers as guest code would and returns the exit (a system call, a fault,
// the end of a slice). So the real Machine (scheduler, system calls, signal
// delivery) runs in-process, in milliseconds, without the addon's CPU.
//
// What it does not model: shared memory between spaces (a fork copies every
// page, MAP_SHARED too), file mappings after the map call (contents are read
// once), instruction counting (a run is one exit whatever the budget), and the
// capabilities it reports as missing.
import fs from 'node:fs';
import {
  Access, Exit, MapKind, PROT_EXEC, PROT_READ, PROT_WRITE, REG_NAMES, Reg,
  type AddressSpace, type CpuThread, type Engine, type EngineCaps, type Region, type VptWalk,
} from '../src/cpu/engine.js';
import { VmaList } from '../src/vm/vmas.js';

const PAGE = 4096;
const EFAULT = 14;

/** What the guest does in one run of `cpu`: change its registers (or memory) and say how the run ended. */
export type RunFn = (cpu: FakeThread, space: FakeSpace, budget: number) => Exit;

export class FakeEngine implements Engine {
  readonly name = 'fake';
  readonly version = '0';
  readonly caps: EngineCaps = { vpageTable: false, guestContexts: false, fastGetpid: false, fastVkernel: false, fastFiles: false, countedRuns: true, debugHooks: false };
  /** Every run, in order: which thread, in which space. */
  readonly runs: { cpu: FakeThread; space: FakeSpace }[] = [];
  readonly spaces: FakeSpace[] = [];
  readonly threads: FakeThread[] = [];

  constructor(public onRun: RunFn) {}

  createSpace(): FakeSpace {
    const s = new FakeSpace(this);
    this.spaces.push(s);
    return s;
  }

  createThread(space: AddressSpace, regs: BigUint64Array): FakeThread {
    const t = new FakeThread(this, asFake(space), regs, undefined);
    this.threads.push(t);
    return t;
  }
}

function asFake(space: AddressSpace): FakeSpace {
  if (!(space instanceof FakeSpace)) throw new Error('fake engine: a space of another engine');
  return space;
}

const need = [PROT_READ, PROT_WRITE, PROT_EXEC];

export class FakeSpace implements AddressSpace {
  readonly vmas = new VmaList();
  private readonly pages = new Map<number, Buffer>();
  closed = false;

  constructor(private readonly engine: FakeEngine) {}

  map(start: number, len: number, prot: number, kind: MapKind, hostFd: number, fileOffset: number): number {
    if (kind === MapKind.VPageTable) return -95; // EOPNOTSUPP: no vkernel MMU (caps.vpageTable)
    this.drop(start, len);
    this.vmas.map(start, len, prot, kind);
    if (hostFd >= 0) {
      // Read once: later writes to the file are not seen (not a shared mapping).
      const b = Buffer.alloc(len);
      const n = fs.readSync(hostFd, b, 0, len, fileOffset);
      for (let off = 0; off < n; off += PAGE) this.pages.set((start + off) / PAGE, Buffer.from(b.subarray(off, off + PAGE)));
    }
    return 0;
  }

  unmap(start: number, len: number): void {
    this.drop(start, len);
    this.vmas.unmap(start, len);
  }

  protect(start: number, len: number, prot: number): number {
    return this.vmas.protect(start, len, prot);
  }

  findFree(hint: number, len: number, align: number, limit?: number): number {
    return this.vmas.findFree(hint, len, align, limit);
  }

  isFree(start: number, len: number): boolean {
    return this.vmas.isFree(start, len);
  }

  regions(): Region[] {
    return this.vmas.regions();
  }

  check(addr: number, len: number, access: Access): boolean {
    if (len === 0) return true;
    const regions = this.vmas.regions();
    for (let a = addr - (addr % PAGE); a < addr + len; a += PAGE) {
      const r = regions.find((x) => x.start <= a && a < x.end);
      if (!r || !(r.prot & need[access])) return false;
    }
    return true;
  }

  read(addr: number, len: number): Buffer | null {
    const out = Buffer.alloc(len);
    return this.readInto(addr, out) ? out : null;
  }

  readInto(addr: number, target: Uint8Array): boolean {
    const len = target.length;
    if (!this.check(addr, len, Access.Read)) return false;
    const out = Buffer.from(target.buffer, target.byteOffset, len);
    out.fill(0);
    for (let done = 0; done < len;) {
      const a = addr + done, off = a % PAGE, n = Math.min(PAGE - off, len - done);
      this.pages.get((a - off) / PAGE)?.copy(out, done, off, off + n);
      done += n;
    }
    return true;
  }

  write(addr: number, data: Uint8Array, off = 0, len = data.length - off): boolean {
    if (!this.check(addr, len, Access.Write)) return false;
    for (let done = 0; done < len;) {
      const a = addr + done, po = a % PAGE, n = Math.min(PAGE - po, len - done);
      const key = (a - po) / PAGE;
      let page = this.pages.get(key);
      if (!page) this.pages.set(key, page = Buffer.alloc(PAGE));
      page.set(data.subarray(off + done, off + done + n), po);
      done += n;
    }
    return true;
  }

  readCString(addr: number, max: number): Buffer | null | false {
    for (let n = 0; n < max; n++) {
      const b = this.read(addr + n, 1);
      if (!b) return null;
      if (b[0] === 0) return this.read(addr, n);
    }
    return false;
  }

  fdIo(write: boolean, hostFd: number, addr: number, len: number, pos: number): number {
    if (!this.check(addr, len, write ? Access.Read : Access.Write)) return -EFAULT;
    try {
      if (write) return fs.writeSync(hostFd, this.read(addr, len)!, 0, len, pos < 0 ? null : pos);
      const b = Buffer.alloc(len);
      const n = fs.readSync(hostFd, b, 0, len, pos < 0 ? null : pos);
      this.write(addr, b, 0, n);
      return n;
    } catch (e) {
      // Node's errno is already negative (libuv): -errno as the native call returns it.
      return (e as NodeJS.ErrnoException).errno ?? -5;
    }
  }

  run(thread: CpuThread, budget: number): Exit {
    const t = thread as FakeThread;
    if (t.space !== this) throw new Error('fake engine: run in a space the thread is not in');
    this.engine.runs.push({ cpu: t, space: this });
    return this.engine.onRun(t, this, budget);
  }

  flushCode(): void { /* no translated code */ }

  poke(addr: number, data: Uint8Array): boolean {
    const r = this.vmas.regions().find((x) => x.start <= addr && addr + data.length <= x.end);
    if (!r || r.kind !== MapKind.PrivateAnon && r.kind !== MapKind.PrivateFile) return false;
    const prot = r.prot;
    this.vmas.protect(r.start, r.end - r.start, prot | PROT_WRITE);
    this.write(addr, data);
    this.vmas.protect(r.start, r.end - r.start, prot);
    return true;
  }

  copyFrom(parent: AddressSpace): number {
    const p = asFake(parent);
    for (const r of p.vmas.regions()) this.vmas.map(r.start, r.end - r.start, r.prot, r.kind);
    for (const [k, v] of p.pages) this.pages.set(k, Buffer.from(v));
    return 0;
  }

  setFast(): void {
    throw new Error('fake engine: setFast without caps.fastGetpid');
  }
  setVmspace(): void {
    throw new Error('fake engine: setVmspace without caps.fastVkernel');
  }

  setMasterPde(): number {
    return -22; // EINVAL: no MAP_VPAGETABLE mapping can exist here (caps.vpageTable), as the native one answers then
  }

  inval(): boolean {
    return false;
  }

  close(): void {
    this.closed = true;
    this.pages.clear();
  }

  setBreakpoints(): void {
    throw new Error('fake engine: no debug hooks');
  }

  setWatchpoints(): number {
    throw new Error('fake engine: no debug hooks');
  }

  debugWalk(): VptWalk | null {
    return null;
  }

  private drop(start: number, len: number): void {
    for (let a = start; a < start + len; a += PAGE) this.pages.delete(a / PAGE);
  }
}

/** An FXSAVE image after FNINIT: FCW 0x37f, MXCSR 0x1f80. */
function initialFpu(): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt16LE(0x37f, 0);
  b.writeUInt32LE(0x1f80, 24);
  return b;
}

export class FakeThread implements CpuThread {
  private fpu = initialFpu();

  /** `parent`: the thread this one was cloned from (fork, lwp_create), for scripts that tell them apart. */
  constructor(private readonly engine: FakeEngine, public space: FakeSpace, readonly regs: BigUint64Array,
    readonly parent: FakeThread | undefined) {}

  clone(regs: BigUint64Array): FakeThread {
    // A copy of the CPU state, as the native Thread's template constructor makes.
    for (let i = 0; i < REG_NAMES.length; i++) regs[i] = this.regs[i];
    const t = new FakeThread(this.engine, this.space, regs, this);
    t.fpu = Buffer.from(this.fpu);
    this.engine.threads.push(t);
    return t;
  }

  moveTo(space: AddressSpace): void {
    this.space = asFake(space);
  }

  getFpu(): Buffer;
  getFpu(into: Uint8Array): void;
  getFpu(into?: Uint8Array): Buffer | void {
    if (!into) return Buffer.from(this.fpu);
    into.set(this.fpu);
  }

  setFpu(img: Uint8Array): void {
    this.fpu = Buffer.from(img.subarray(0, 512));
  }

  resetFpu(): void {
    this.fpu = initialFpu();
  }

  sync(): void {
    this.regs[Reg.DIRTY] = 0n;
  }

  enterContext(): number {
    throw new Error('fake engine: no guest contexts (caps.guestContexts)');
  }

  leaveContext(): number {
    throw new Error('fake engine: no guest contexts (caps.guestContexts)');
  }
}
