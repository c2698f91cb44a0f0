// The host operating system's side of vkemu's devices and files: calls Node
// does not offer (sockets with Linux sockaddrs and SCM_RIGHTS, TAP devices,
// bridges and interface settings, flock, FIFOs, extended attributes, a readiness watcher). Nothing
// here touches the CPU or guest memory, so it is not part of the engine: a
// second CPU backend (KVM) reuses it as is. Implemented by the native addon
// (native/src/{host,sockets,tap,poller}.cc) through linux.ts.

/** Host calls that Node does not offer. Addresses are Linux sockaddr bytes; errors are -errno (Linux). */
export interface HostOs {
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
  /** Extended attribute `name` of a file (a path, its last symlink followed when `follow`, or a descriptor): its bytes or -errno (ENODATA: none). */
  getXattr(file: string | number, name: string, follow: boolean): Buffer | number;
  /** Set extended attribute `name` (or remove it: value null): 0 or -errno. */
  setXattr(file: string | number, name: string, value: Uint8Array | null, follow: boolean): number;
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
