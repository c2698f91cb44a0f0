// The DragonFly x86-64 structures vkemu reads from and writes to guest memory,
// by field (sizes and offsets of DragonFly 5.9's headers: sys/stat.h,
// sys/event.h, sys/signal.h, sys/_siginfo.h, sys/socket.h, sys/mount.h,
// sys/statvfs.h, sys/resource.h, sys/lwp.h, sys/tls.h, sys/poll.h, sys/fcntl.h,
// sys/uio.h, sys/exec.h, cpu/ucontext.h, cpu/sigframe.h). kinfo_proc is kinfo.ts's.
import { bytes, struct } from './layout.js';

export const Timespec = struct('timespec', 16, { sec: [0, 'i64'], nsec: [8, 'i64'] });
export const Timeval = struct('timeval', 16, { sec: [0, 'i64'], usec: [8, 'i64'] });
export const Itimerval = struct('itimerval', 32, { interval: [0, Timeval], value: [16, Timeval] });

export const Stat = struct('stat', 128, {
  ino: [0, 'u64'], nlink: [8, 'u32'], dev: [12, 'u32'], mode: [16, 'u16'], uid: [20, 'u32'], gid: [24, 'u32'],
  rdev: [28, 'u32'], atim: [32, Timespec], mtim: [48, Timespec], ctim: [64, Timespec], size: [80, 'i64'],
  blocks: [88, 'i64'], oldBlksize: [96, 'u32'], flags: [100, 'u32'], gen: [104, 'u32'], blksize: [112, 'i64'],
});

export const Statfs = struct('statfs', 320, {
  bsize: [8, 'i64'], iosize: [16, 'i64'], blocks: [24, 'i64'], bfree: [32, 'i64'], bavail: [40, 'i64'],
  files: [48, 'i64'], ffree: [56, 'i64'], fsid0: [64, 'i32'], fsid1: [68, 'i32'], owner: [72, 'u32'], type: [76, 'i32'],
  flags: [80, 'i32'], syncwrites: [88, 'i64'], asyncwrites: [96, 'i64'],
  fstypename: [104, bytes(16)], mntonname: [120, bytes(80)], syncreads: [200, 'i64'], asyncreads: [208, 'i64'],
  mntfromname: [218, bytes(80)],
});

export const Statvfs = struct('statvfs', 160, {
  bsize: [0, 'u64'], frsize: [8, 'u64'], blocks: [16, 'u64'], bfree: [24, 'u64'], bavail: [32, 'u64'],
  files: [40, 'u64'], ffree: [48, 'u64'], favail: [56, 'u64'], fsid: [64, 'u64'], flag: [72, 'u64'],
  namemax: [80, 'u64'], owner: [88, 'u32'], type: [92, 'u32'],
});

export const Kevent = struct('kevent', 32, {
  ident: [0, 'u64'], filter: [8, 'i16'], flags: [10, 'u16'], fflags: [12, 'u32'], data: [16, 'i64'], udata: [24, 'u64'],
});

export const Pollfd = struct('pollfd', 8, { fd: [0, 'i32'], events: [4, 'i16'], revents: [6, 'i16'] });

export const Iovec = struct('iovec', 16, { base: [0, 'u64'], len: [8, 'u64'] });

export const Flock = struct('flock', 24, { start: [0, 'i64'], len: [8, 'i64'], pid: [16, 'i32'], type: [20, 'i16'], whence: [22, 'i16'] });

export const Rlimit = struct('rlimit', 16, { cur: [0, 'i64'], max: [8, 'i64'] });

export const Rusage = struct('rusage', 144, { utime: [0, Timeval], stime: [16, Timeval], maxrss: [32, 'i64'] });

/** sigaction: the handler (or sigaction function), sa_flags, sa_mask (sigset_t, 128 bits). */
export const Sigaction = struct('sigaction', 32, { handler: [0, 'u64'], flags: [8, 'i32'], mask: [12, 'u128'] });

/** stack_t (sigaltstack, uc_stack). */
export const StackT = struct('stack_t', 24, { sp: [0, 'u64'], size: [8, 'u64'], flags: [16, 'i32'] });

export const Siginfo = struct('siginfo', 80, {
  signo: [0, 'i32'], errno: [4, 'i32'], code: [8, 'i32'], pid: [12, 'i32'], uid: [16, 'u32'], status: [20, 'i32'],
  addr: [24, 'u64'], value: [32, 'u64'], band: [40, 'i64'],
});

/** struct trapframe: the registers as the kernel saves them; mcontext_t embeds one from mc_rdi. */
export const Trapframe = struct('trapframe', 200, {
  rdi: [0, 'u64'], rsi: [8, 'u64'], rdx: [16, 'u64'], rcx: [24, 'u64'], r8: [32, 'u64'], r9: [40, 'u64'],
  rax: [48, 'u64'], rbx: [56, 'u64'], rbp: [64, 'u64'], r10: [72, 'u64'], r11: [80, 'u64'], r12: [88, 'u64'],
  r13: [96, 'u64'], r14: [104, 'u64'], r15: [112, 'u64'], xflags: [120, 'u64'], trapno: [128, 'u64'], addr: [136, 'u64'],
  flags: [144, 'u64'], err: [152, 'u64'], rip: [160, 'u64'], cs: [168, 'u64'], rflags: [176, 'u64'], rsp: [184, 'u64'],
  ss: [192, 'u64'],
});

/** mcontext_t: mc_onstack, the trapframe, the FPU save area's description and mc_fpregs (an FXSAVE image first). */
export const Mcontext = struct('mcontext', 1280, {
  onstack: [0, 'u64'], trapframe: [8, Trapframe], len: [208, 'u32'], fpformat: [212, 'u32'], ownedfp: [216, 'u32'],
  fpregs: [256, bytes(1024)],
});
export const FXSAVE_SIZE = 512;
export const MC_FPFMT_XMM = 0x10002, MC_FPOWNED_FPU = 0x20001, MC_FPOWNED_PCB = 0x20002;

export const Ucontext = struct('ucontext', 1408, {
  sigmask: [0, 'u128'], mcontext: [64, Mcontext], link: [1344, 'u64'], stack: [1352, StackT], cofunc: [1376, 'u64'], arg: [1384, 'u64'],
});

/** struct sigframe: the handler, the ucontext sigreturn takes back, the siginfo (SA_SIGINFO). */
export const Sigframe = struct('sigframe', 1600, { handler: [0, 'u64'], uc: [64, Ucontext], si: [1472, Siginfo] });

export const Msghdr = struct('msghdr', 48, {
  name: [0, 'u64'], namelen: [8, 'u32'], iov: [16, 'u64'], iovlen: [24, 'i32'], control: [32, 'u64'],
  controllen: [40, 'u32'], flags: [44, 'i32'],
});
/** cmsghdr; the data follows at CMSG_DATA (the header rounded up to 8 bytes). */
export const Cmsghdr = struct('cmsghdr', 12, { len: [0, 'u32'], level: [4, 'i32'], type: [8, 'i32'] });

export const LwpParams = struct('lwp_params', 40, { func: [0, 'u64'], arg: [8, 'u64'], stack: [16, 'u64'], tid1: [24, 'u64'], tid2: [32, 'u64'] });

export const TlsInfo = struct('tls_info', 16, { base: [0, 'u64'], size: [8, 'i64'] });

/** struct ps_strings at PS_STRINGS: where exec left the argument and environment vectors. */
export const PsStrings = struct('ps_strings', 32, { argvstr: [0, 'u64'], nargvstr: [8, 'u32'], envstr: [16, 'u64'], nenvstr: [24, 'u32'] });

/** sys/termios.h: four flag words, c_cc[NCCS = 20], the two speeds. */
export const Termios = struct('termios', 44, {
  iflag: [0, 'u32'], oflag: [4, 'u32'], cflag: [8, 'u32'], lflag: [12, 'u32'], cc: [16, bytes(20)], ispeed: [36, 'u32'], ospeed: [40, 'u32'],
});

// Network addresses and interface requests (netinet/in.h, netinet6/in6.h, net/if_dl.h, net/if.h,
// net/bridge/if_bridgevar.h). Ports and addresses stay in network byte order, as bytes.
export const SockaddrIn = struct('sockaddr_in', 16, { len: [0, 'u8'], family: [1, 'u8'], port: [2, bytes(2)], addr: [4, bytes(4)] });
export const SockaddrIn6 = struct('sockaddr_in6', 28, {
  len: [0, 'u8'], family: [1, 'u8'], port: [2, bytes(2)], flowinfo: [4, 'u32'], addr: [8, bytes(16)], scopeId: [24, 'u32'],
});
/** The name and the link-level address go in `data`, and run past it into the routing fields when they need to. */
export const SockaddrDl = struct('sockaddr_dl', 54, {
  len: [0, 'u8'], family: [1, 'u8'], index: [2, 'u16'], type: [4, 'u8'], nlen: [5, 'u8'], alen: [6, 'u8'], slen: [7, 'u8'], data: [8, bytes(12)],
  rcf: [20, 'u16'], route: [22, bytes(32)],
});
/** struct if_data: the fields a routing message fills in (the counters stay zero). */
export const IfData = struct('if_data', 160, {
  type: [0, 'u8'], physical: [1, 'u8'], addrlen: [2, 'u8'], hdrlen: [3, 'u8'], mtu: [8, 'u64'], metric: [16, 'u64'],
  linkState: [24, 'u64'], baudrate: [32, 'u64'],
});
export const IfMsghdr = struct('if_msghdr', 176, {
  msglen: [0, 'u16'], version: [2, 'u8'], type: [3, 'u8'], index: [4, 'u16'], flags: [8, 'i32'], addrs: [12, 'i32'], data: [16, IfData],
});
export const IfaMsghdr = struct('ifa_msghdr', 24, {
  msglen: [0, 'u16'], version: [2, 'u8'], type: [3, 'u8'], index: [4, 'u16'], flags: [8, 'i32'], addrs: [12, 'i32'],
  addrflags: [16, 'i32'], metric: [20, 'i32'],
});
export const IFNAMSIZ = 16;
// struct ifreq is a name and a union; each request reads it through its own view.
/** SIOCGIFFLAGS/SIOCSIFFLAGS: the flags word split in two shorts. */
export const Ifreq = struct('ifreq', 32, { name: [0, bytes(IFNAMSIZ)], flags: [16, 'u16'], flagshigh: [18, 'u16'] });
/** SIOCGIFMTU, SIOCGIFMETRIC: one int. */
export const IfreqInt = struct('ifreq', 32, { name: [0, bytes(IFNAMSIZ)], value: [16, 'i32'] });
/** SIOCGIFINDEX: a short. */
export const IfreqIndex = struct('ifreq', 32, { name: [0, bytes(IFNAMSIZ)], index: [16, 'u16'] });
/** SIOCGIFCAP: the capabilities asked for and those in use. */
export const IfreqCap = struct('ifreq', 32, { name: [0, bytes(IFNAMSIZ)], reqcap: [16, 'i32'], curcap: [20, 'i32'] });
/** netinet6/in6_var.h struct in6_ifreq, as SIOCGIFAFLAG_IN6 uses it: the address asked about in, its flags out. */
export const In6IfreqAddr = struct('in6_ifreq', 288, { name: [0, bytes(IFNAMSIZ)], addr: [16, SockaddrIn6] });
export const In6IfreqFlags = struct('in6_ifreq', 288, { name: [0, bytes(IFNAMSIZ)], flags6: [16, 'i32'] });
/** SIOCGIFALIFETIME_IN6: struct in6_addrlifetime in the union. */
export const In6Lifetime = struct('in6_ifreq', 288, {
  name: [0, bytes(IFNAMSIZ)], expire: [16, 'i64'], preferred: [24, 'i64'], vltime: [32, 'u32'], pltime: [36, 'u32'],
});
export const Ifaliasreq = struct('ifaliasreq', 64, {
  name: [0, bytes(IFNAMSIZ)], addr: [16, SockaddrIn], broadaddr: [32, SockaddrIn], mask: [48, SockaddrIn],
});
export const Ifdrv = struct('ifdrv', 40, { name: [0, bytes(IFNAMSIZ)], cmd: [16, 'u64'], len: [24, 'u64'], data: [32, 'u64'] });
/** struct ifbreq: a bridge member, by name (the STP fields are not served). */
export const Ifbreq = struct('ifbreq', 112, { ifsname: [0, bytes(IFNAMSIZ)] });
