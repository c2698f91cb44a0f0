// The descriptors the engine serves itself (caps.fastFiles): read, write and
// their kin on host regular files and memory devices (/dev/null, /dev/zero...)
// answered inside the syscall hook, straight between guest memory and the host
// descriptor, with no trip to TypeScript (native/src/fdcalls.cc). Only files
// whose I/O never blocks and needs nothing of TypeScript (FileOps.hookable).
//
// The truth stays here. Each open file description served gets a slot in
// memory both sides share (host fd, what it allows, its position: the
// position lives there for as long as the file does, so OpenFile.pos reads
// it); each descriptor table gets a number the engine knows it by, and every
// change of a table (FdTable) tells the engine which descriptor is served by
// which slot. A thread's Reg.FILES slot names its process's table.
import type { HookFilesBackend } from '../../cpu/engine.js';

const DESC_BYTES = 16;
/** What a description allows (native/src/fdmirror.h HookFlag). */
export const HOOK_READ = 1, HOOK_WRITE = 2, HOOK_APPEND = 4, HOOK_SEEKABLE = 8;

export class HookFiles {
  private buf: ArrayBuffer;
  private i32: Int32Array;
  private f64: Float64Array;
  /** Slot 0 is never used: 0 means "not served". */
  private next = 1;
  private readonly free: number[] = [];

  constructor(private readonly backend: HookFilesBackend) {
    this.buf = new ArrayBuffer(256 * DESC_BYTES);
    this.i32 = new Int32Array(this.buf);
    this.f64 = new Float64Array(this.buf);
    backend.setDescs(this.buf);
  }

  /** A slot for a description of host descriptor hostFd. */
  alloc(hostFd: number, flags: number, pos: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.next++;
      if (slot * DESC_BYTES >= this.buf.byteLength) this.grow();
    }
    this.i32[slot * 4] = hostFd;
    this.i32[slot * 4 + 1] = flags;
    this.f64[slot * 2 + 1] = pos;
    return slot;
  }
  /** The description is closed: the slot serves nothing until it is given out again. */
  release(slot: number): void {
    this.i32[slot * 4] = -1;
    this.free.push(slot);
  }
  pos(slot: number): number {
    return this.f64[slot * 2 + 1];
  }
  setPos(slot: number, pos: number): void {
    this.f64[slot * 2 + 1] = pos;
  }
  setFlags(slot: number, flags: number): void {
    this.i32[slot * 4 + 1] = flags;
  }

  newTable(): number {
    return this.backend.newTable();
  }
  freeTable(table: number): void {
    this.backend.freeTable(table);
  }
  set(table: number, fd: number, slot: number): void {
    this.backend.set(table, fd, slot);
  }

  private grow(): void {
    const bigger = new ArrayBuffer(this.buf.byteLength * 2);
    new Uint8Array(bigger).set(new Uint8Array(this.buf));
    this.buf = bigger;
    this.i32 = new Int32Array(bigger);
    this.f64 = new Float64Array(bigger);
    this.backend.setDescs(bigger);
  }
}

const perBackend = new WeakMap<HookFilesBackend, HookFiles>();

/** The one HookFiles of an engine's backend (the addon's mirror is one per host process). */
export function hookFilesOf(backend: HookFilesBackend): HookFiles {
  let h = perBackend.get(backend);
  if (!h) {
    h = new HookFiles(backend);
    perBackend.set(backend, h);
  }
  return h;
}
