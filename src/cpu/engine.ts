// The engine interface: what the DragonFly host layer needs from a CPU
// backend. Narrow on purpose, so that a KVM backend can implement it too:
// address spaces with page-granular mappings, threads whose register file is
// shared memory, and `run` until an exit.

/** Register slots of a thread's register file (BigUint64Array). */
export const enum Reg {
  RAX = 0, RBX, RCX, RDX, RSI, RDI, RBP, RSP,
  R8, R9, R10, R11, R12, R13, R14, R15,
  RIP, RFLAGS, FS_BASE, GS_BASE,
  DIRTY = 20, EXIT_REASON, EXIT_VECTOR, EXIT_ADDR, EXIT_ACCESS, EXIT_PRESENT, EXIT_ERROR, FAST_CALLS,
  /** Debugger: a breakpoint at this rip does not stop the next run's first instruction (0: none). */
  DEBUG_SKIP = 28,
}
export const REG_SLOTS = 32;
export const REG_NAMES = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'rflags', 'fs_base', 'gs_base',
] as const;

export const enum Exit {
  Budget = 0,
  Syscall = 1,
  Fault = 2,
  Exception = 3,
  Halt = 4,
  EngineError = 5,
  Stop = 6,
}

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

export interface AddressSpace {
  /** Map [start, start+len) replacing anything there. 0 or -errno (Linux). */
  map(start: number, len: number, prot: number, kind: MapKind, hostFd: number, fileOffset: number): number;
  unmap(start: number, len: number): void;
  /** 0, or a negative errno when part of the range is unmapped. */
  protect(start: number, len: number, prot: number): number;
  /** Lowest free range of `len` at or above `hint` (aligned), or -1. */
  findFree(hint: number, len: number, align: number, limit?: number): number;
  isFree(start: number, len: number): boolean;
  /** Copy in: null when any byte is inaccessible (EFAULT). */
  read(addr: number, len: number): Buffer | null;
  /** Copy out: false when any byte is inaccessible (EFAULT); nothing written then. */
  write(addr: number, data: Uint8Array, off?: number, len?: number): boolean;
  /** NUL-terminated string: null on EFAULT, false when longer than max. */
  readCString(addr: number, max: number): Buffer | null | false;
  check(addr: number, len: number, access: Access): boolean;
  regions(): Region[];
  /** I/O between a host descriptor and guest memory: bytes or -errno (Linux). pos -1: file position. */
  fdIo(write: boolean, hostFd: number, addr: number, len: number, pos: number): number;
  run(thread: CpuThread, budget: number): Exit;
  flushCode(start: number, end: number): void;
  /** A debugger's write into private memory whatever its protection (int3 in text); false if any page is not private and accessible. */
  poke(addr: number, data: Uint8Array): boolean;
  /** Become a fork-time copy of parent (private memory copied). 0 or -errno. */
  copyFrom(parent: AddressSpace): number;
  /** Serve getpid inside the engine for this pid. */
  setFast(pid: number, getpid: boolean): void;
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
  enterContext(space: AddressSpace, tframe: number, vframe: number, saved: BigUint64Array): number;
  /** Leave it: write the exit trapframe at tframe of `space`, move back, restore `saved`. 0 or -EFAULT. */
  leaveContext(space: AddressSpace, tframe: number, trapno: number, err: number, addr: bigint, syscall: boolean, saved: BigUint64Array): number;
}

export interface Engine {
  readonly name: string;
  readonly version: string;
  createSpace(): AddressSpace;
  createThread(space: AddressSpace, regs: BigUint64Array): CpuThread;
  host: HostHelpers;
}

/** Host calls that Node does not offer. Addresses are Linux sockaddr bytes; errors are -errno (Linux). */
export interface HostHelpers {
  flock(fd: number, op: number): number;
  fcntlFlags(fd: number, set?: number): number;
  ioctlBuf(fd: number, request: number, buf: Uint8Array): number;
  sockSocket(domain: number, type: number, proto: number): number;
  sockPair(domain: number, type: number, proto: number): [number, number] | number;
  sockBind(fd: number, addr: Uint8Array): number;
  sockConnect(fd: number, addr: Uint8Array): number;
  sockListen(fd: number, backlog: number): number;
  sockAccept(fd: number): [number, Buffer] | number;
  sockName(fd: number, peer: boolean): Buffer | number;
  sockSendTo(fd: number, data: Uint8Array, flags: number, addr: Uint8Array | null): number;
  sockRecvFrom(fd: number, buf: Uint8Array, flags: number): [number, Buffer] | number;
  sockSetOpt(fd: number, level: number, name: number, value: Uint8Array): number;
  /** One message carrying SCM_RIGHTS host descriptors: bytes or -errno. */
  sockSendFds(fd: number, data: Uint8Array, flags: number, fds: number[]): number;
  /** [bytes, received host descriptors, control truncated] or -errno. */
  sockRecvFds(fd: number, buf: Uint8Array, flags: number): [number, number[], boolean] | number;
  sockGetOpt(fd: number, level: number, name: number, len: number): Buffer | number;
  sockShutdown(fd: number, how: number): number;
  /** poll(2) with a zero timeout: the ready events, 0, or -errno. */
  pollFd(fd: number, events: number): number;
  closeFd(fd: number): number;
  /** read/write (pos -1: at the file position) or pread/pwrite: bytes or -errno. */
  hostIo(write: boolean, fd: number, buf: Uint8Array, pos: number): number;
  /** utimensat(AT_FDCWD, path, [asec, ansec, msec, mnsec], nofollow): 0 or -errno; nsec may be UTIME_NOW/OMIT. */
  utimens(path: string, times: [number, number, number, number], nofollow: boolean): number;
  /** mkfifo(path, mode): 0 or -errno. */
  mkfifo(path: string, mode: number): number;
  /** A Linux TAP (IFF_TAP|IFF_NO_PI, non-blocking) named `name` or from a template like "tap%d": [fd, name] or -errno. */
  tapOpen(name: string): [number, string] | number;
  /** The interface's 6-byte Ethernet address, or -errno. */
  ifHwaddr(name: string): Buffer | number;
  ifMtu(name: string): number;
  /** Without `set`: the Linux IFF_* flags; with it: set them, 0 or -errno. */
  ifFlags(name: string, set?: number): number;
  /** IPv4 address, netmask and broadcast (4 bytes each, network order; zero mask/broadcast: Linux's default). */
  ifAddr(name: string, addr: Uint8Array, mask: Uint8Array, broadcast: Uint8Array): number;
  /** Add (or remove) `ifname` as a port of Linux bridge `bridge`: 0 or -errno. */
  bridgePort(bridge: string, ifname: string, add: boolean): number;
  /**
   * Readiness of a host descriptor without polling (a watcher thread, native/src/poller.cc): `cb(revents)` runs on
   * the main thread once if `fd` is ready when registered, then after each readiness edge (edge-triggered).
   * `events`: Linux EPOLLIN 0x1, EPOLLPRI 0x2, EPOLLOUT 0x4, EPOLLRDHUP 0x2000; EPOLLERR 0x8 and EPOLLHUP 0x10
   * always come. Returns the canceller (call it before closing `fd`) or -errno (EPERM: a regular file).
   */
  watchFd(fd: number, events: number, cb: (revents: number) => void): (() => void) | number;
}
