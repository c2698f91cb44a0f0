// The engine interface: what the DragonFly host layer needs from a CPU
// backend. Narrow on purpose, so that a KVM backend can implement it too:
// address spaces with page-granular mappings, threads whose register file is
// shared memory, and `run` until an exit.

// The register file and the exit reasons (the ABI between a backend's run and
// the scheduler) are their own file; re-exported here for the callers.
export * from './regfile.js';
import type { Exit } from './regfile.js';

export const enum Access { Read = 0, Write = 1, Fetch = 2 }

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** How a mapping is backed. */
export const enum MapKind {
  PrivateAnon = 0,
  SharedAnon = 1,
  PrivateFile = 2,
  SharedFile = 3,
  VPageTable = 4,
}

export interface Region { start: number; end: number; prot: number; kind: MapKind }

/**
 * The VMA bookkeeping an address space answers for the memory layer
 * (src/vm/memory.ts places mappings with it; the gdb stub lists them). The
 * Unicorn backend answers from its C++ list, which its TLB fill needs anyway;
 * a backend without one uses VmaList (src/vm/vmas.ts).
 */
export interface Vmas {
  /** Lowest free range of `len` at or above `hint` (aligned), or -1. */
  findFree(hint: number, len: number, align: number, limit?: number): number;
  isFree(start: number, len: number): boolean;
  regions(): Region[];
}

export interface AddressSpace extends Vmas {
  /** Map [start, start+len) replacing anything there. 0 or -errno (Linux). */
  map(start: number, len: number, prot: number, kind: MapKind, hostFd: number, fileOffset: number): number;
  unmap(start: number, len: number): void;
  /** 0, or a negative errno when part of the range is unmapped. */
  protect(start: number, len: number, prot: number): number;
  /** Copy in: null when any byte is inaccessible (EFAULT). */
  read(addr: number, len: number): Buffer | null;
  /** Copy in into target (its whole length): false when any byte is inaccessible. */
  readInto(addr: number, target: Uint8Array): boolean;
  /** Copy out: false when any byte is inaccessible (EFAULT); nothing written then. */
  write(addr: number, data: Uint8Array, off?: number, len?: number): boolean;
  /** NUL-terminated string: null on EFAULT, false when longer than max. */
  readCString(addr: number, max: number): Buffer | null | false;
  check(addr: number, len: number, access: Access): boolean;
  /** I/O between a host descriptor and guest memory: bytes or -errno (Linux). pos -1: file position. */
  fdIo(write: boolean, hostFd: number, addr: number, len: number, pos: number): number;
  run(thread: CpuThread, budget: number): Exit;
  flushCode(start: number, end: number): void;
  /** A debugger's write into private memory whatever its protection (int3 in text); false if any page is not private and accessible. */
  poke(addr: number, data: Uint8Array): boolean;
  /** Become a fork-time copy of parent (private memory copied). 0 or -errno. */
  copyFrom(parent: AddressSpace): number;
  /**
   * Serve getpid inside the engine for this pid and, given clockOffsetNs, clock_gettime of the
   * wall and monotonic clocks (the guest's monotonic time is the host's CLOCK_MONOTONIC minus it);
   * with vkernel, a virtual kernel's MADV_INVAL on itself and its registered vmspaces (caps.fastVkernel);
   * with files, I/O on the descriptors a running thread's table has in Engine.hookFiles (Reg.FILES).
   */
  setFast(pid: number, getpid: boolean, clockOffsetNs?: bigint, vkernel?: boolean, files?: boolean): void;
  /** The vmspace a virtual kernel knows by `id`, for the MADV_INVAL the engine serves (caps.fastVkernel); null forgets it. */
  setVmspace(id: bigint, space: AddressSpace | null): void;
  setMasterPde(start: number, len: number, value: bigint): number;
  /** MADV_INVAL: drop cached translations of [start, start+len) (all when no range); true if the TLB was flushed. */
  inval(start?: number, len?: number): boolean;
  close(): void;
  // Debugger support (src/gdb). A run stopped by one of these exits with
  // Exit.Stop: EXIT_VECTOR 3 = breakpoint (rip at it), 1 = watchpoint (rip past
  // the accessing instruction; EXIT_ADDR the data address, EXIT_ACCESS its kind).
  // A single step is run(thread, 1).
  /** Stop before executing any of these addresses; replaces the previous set. */
  setBreakpoints(addrs: BigUint64Array): void;
  /** Stop after an instruction touching a range: triples [addr, len, kinds (1 read | 2 write)]; returns the bytes not watchable (unmapped). */
  setWatchpoints(list: BigUint64Array): number;
  /** The MAP_VPAGETABLE walk of va, leaving A/M bits alone; null outside such a mapping. */
  debugWalk(va: bigint): VptWalk | null;
}

/** One virtual-page-table walk: the entries met from the root down; page in the memory image or -1. */
export interface VptWalk { start: number; end: number; root: bigint; entries: bigint[]; page: number }

export interface CpuThread {
  clone(regs: BigUint64Array): CpuThread;
  moveTo(space: AddressSpace): void;
  /** 512-byte FXSAVE image; written into `into` (>= 512 bytes) when given. */
  getFpu(): Buffer;
  getFpu(into: Uint8Array): void;
  setFpu(img: Uint8Array): void;
  resetFpu(): void;
  sync(): void;
  /**
   * Enter a guest context of a virtual kernel (VMSPACE_CTL_RUN): read the
   * trapframe and vextframe at those addresses of the current space, keep the
   * current registers in `saved` (REG_NAMES.length slots), load the guest's and
   * move into `space`. 0 or -EFAULT.
   */
  enterContext(space: AddressSpace, id: bigint, tframe: number, vframe: number): number;
  /** Leave it: write the exit trapframe at tframe of `space`, move back, restore `saved`. 0 or -EFAULT. */
  leaveContext(trapno: number, err: number, addr: bigint, syscall: boolean): number;
}

/**
 * What a backend can do beyond running code in address spaces. Callers check
 * these instead of assuming Unicorn; a missing one fails the way DragonFly
 * fails without it (e.g. EOPNOTSUPP with vm.vkernel_enable=0).
 */
export interface EngineCaps {
  /** MAP_VPAGETABLE mappings translated by walking the vkernel's page tables (setMasterPde, inval). */
  readonly vpageTable: boolean;
  /**
   * Guest contexts of a virtual kernel: CpuThread.enterContext/leaveContext (vmspace_ctl), which a run
   * with CTX_FAST set also does by itself for a guest's system calls and page faults and for the
   * vmspace_ctl(RUN) of a vmspace registered with setVmspace.
   */
  readonly guestContexts: boolean;
  /** getpid and the host clocks answered inside the engine without a syscall exit (AddressSpace.setFast). */
  readonly fastGetpid: boolean;
  /** A virtual kernel's MADV_INVAL (madvise, mcontrol, vmspace_mcontrol) answered inside the engine (setFast, setVmspace). */
  readonly fastVkernel: boolean;
  /** read, write and their kin on host files and memory devices answered inside the engine (Engine.hookFiles). */
  readonly fastFiles: boolean;
  /** run(thread, budget) with budget > 0 stops after that many instructions (--deterministic). */
  readonly countedRuns: boolean;
  /** setBreakpoints, setWatchpoints and debugWalk (the gdb stub's hardware breakpoints, watchpoints, `monitor vpte`). */
  readonly debugHooks: boolean;
}

/** Whether virtual kernels can run: vm.vkernel_enable. */
export function vkernelCapable(c: EngineCaps): boolean {
  return c.vpageTable && c.guestContexts;
}

/**
 * The engine's mirror of the guest descriptors it may serve itself (caps.fastFiles): descriptions in
 * memory both sides share, and per descriptor table which descriptor is served by which description
 * (src/vm/files/hookfiles.ts keeps it; native/src/fdmirror.cc for Unicorn). One per host process.
 */
export interface HookFilesBackend {
  /** The descriptions, 16 bytes each (host fd int32, flags uint32, position float64); again after growing. */
  setDescs(buf: ArrayBuffer): void;
  /** A new empty table: its number goes into the Reg.FILES slot of the threads using it. */
  newTable(): number;
  /** The table is gone: its number names nothing any more. */
  freeTable(table: number): void;
  /** Serve guest descriptor fd of the table by description slot, or (0) not at all. */
  set(table: number, fd: number, slot: number): void;
}

export interface Engine {
  readonly name: string;
  readonly version: string;
  readonly caps: EngineCaps;
  /** Present with caps.fastFiles. */
  readonly hookFiles?: HookFilesBackend;
  /**
   * A new address space. `sibling`: another vmspace of the same virtual kernel, whose
   * engine (and the code translated from their common memory image) the new space may
   * share; a backend is free to ignore it.
   */
  createSpace(sibling?: AddressSpace): AddressSpace;
  createThread(space: AddressSpace, regs: BigUint64Array): CpuThread;
}
