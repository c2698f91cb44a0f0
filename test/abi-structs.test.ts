// The structure layouts of src/vm/abi/structs.ts against DragonFly 5.9's own
// headers: every field's offset and size, and every structure's sizeof, as
// _Static_asserts compiled by clang for x86_64-unknown-dragonfly against the
// real world's /usr/include. Needs VKEMU_DRAGONFLY (the world) and clang.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytes, struct, Struct, type Fields } from '../src/vm/abi/layout.js';
import * as S from '../src/vm/abi/structs.js';
import { IOCTL } from '../src/vm/abi/ioctls.js';
import { dragonflyBuild } from './dragonfly-build.js';
import { scratch } from './helpers.js';

/** Each structure's C type and, by field, its C member (a string) or, where the field spans several members, the first one's offset only. */
type Members = Record<string, string | { at: string }>;
const C: [Struct<Fields>, string, Members][] = [
  [S.Timespec, 'struct timespec', { sec: 'tv_sec', nsec: 'tv_nsec' }],
  [S.Timeval, 'struct timeval', { sec: 'tv_sec', usec: 'tv_usec' }],
  [S.Itimerval, 'struct itimerval', { interval: 'it_interval', value: 'it_value' }],
  [S.Stat, 'struct stat', {
    ino: 'st_ino', nlink: 'st_nlink', dev: 'st_dev', mode: 'st_mode', uid: 'st_uid', gid: 'st_gid', rdev: 'st_rdev',
    atim: 'st_atim', mtim: 'st_mtim', ctim: 'st_ctim', size: 'st_size', blocks: 'st_blocks', oldBlksize: '__old_st_blksize',
    flags: 'st_flags', gen: 'st_gen', blksize: 'st_blksize',
  }],
  [S.Statfs, 'struct statfs', {
    bsize: 'f_bsize', iosize: 'f_iosize', blocks: 'f_blocks', bfree: 'f_bfree', bavail: 'f_bavail', files: 'f_files',
    ffree: 'f_ffree', fsid0: 'f_fsid.val[0]', fsid1: 'f_fsid.val[1]', owner: 'f_owner', type: 'f_type', flags: 'f_flags',
    syncwrites: 'f_syncwrites', asyncwrites: 'f_asyncwrites', fstypename: 'f_fstypename', mntonname: 'f_mntonname',
    syncreads: 'f_syncreads', asyncreads: 'f_asyncreads', mntfromname: 'f_mntfromname',
  }],
  [S.Statvfs, 'struct statvfs', {
    bsize: 'f_bsize', frsize: 'f_frsize', blocks: 'f_blocks', bfree: 'f_bfree', bavail: 'f_bavail', files: 'f_files',
    ffree: 'f_ffree', favail: 'f_favail', fsid: 'f_fsid', flag: 'f_flag', namemax: 'f_namemax', owner: 'f_owner', type: 'f_type',
  }],
  [S.Kevent, 'struct kevent', { ident: 'ident', filter: 'filter', flags: 'flags', fflags: 'fflags', data: 'data', udata: 'udata' }],
  [S.Pollfd, 'struct pollfd', { fd: 'fd', events: 'events', revents: 'revents' }],
  [S.Iovec, 'struct iovec', { base: 'iov_base', len: 'iov_len' }],
  [S.Flock, 'struct flock', { start: 'l_start', len: 'l_len', pid: 'l_pid', type: 'l_type', whence: 'l_whence' }],
  [S.Rlimit, 'struct rlimit', { cur: 'rlim_cur', max: 'rlim_max' }],
  [S.Rusage, 'struct rusage', { utime: 'ru_utime', stime: 'ru_stime', maxrss: 'ru_maxrss' }],
  [S.Sigaction, 'struct sigaction', { handler: 'sa_handler', flags: 'sa_flags', mask: 'sa_mask' }],
  [S.StackT, 'stack_t', { sp: 'ss_sp', size: 'ss_size', flags: 'ss_flags' }],
  [S.Siginfo, 'siginfo_t', {
    signo: 'si_signo', errno: 'si_errno', code: 'si_code', pid: 'si_pid', uid: 'si_uid', status: 'si_status', addr: 'si_addr',
    value: 'si_value', band: 'si_band',
  }],
  [S.Trapframe, 'struct trapframe', Object.fromEntries(Object.keys(S.Trapframe.off).map((k) => [k, `tf_${k}`]))],
  [S.Mcontext, 'mcontext_t', {
    onstack: 'mc_onstack', trapframe: { at: 'mc_rdi' }, len: 'mc_len', fpformat: 'mc_fpformat', ownedfp: 'mc_ownedfp', fpregs: 'mc_fpregs',
  }],
  [S.Ucontext, 'ucontext_t', { sigmask: 'uc_sigmask', mcontext: 'uc_mcontext', link: 'uc_link', stack: 'uc_stack', cofunc: 'uc_cofunc', arg: 'uc_arg' }],
  [S.Sigframe, 'struct sigframe', { handler: 'sf_ahu', uc: 'sf_uc', si: 'sf_si' }],
  [S.Msghdr, 'struct msghdr', {
    name: 'msg_name', namelen: 'msg_namelen', iov: 'msg_iov', iovlen: 'msg_iovlen', control: 'msg_control',
    controllen: 'msg_controllen', flags: 'msg_flags',
  }],
  [S.Cmsghdr, 'struct cmsghdr', { len: 'cmsg_len', level: 'cmsg_level', type: 'cmsg_type' }],
  [S.LwpParams, 'struct lwp_params', { func: 'lwp_func', arg: 'lwp_arg', stack: 'lwp_stack', tid1: 'lwp_tid1', tid2: 'lwp_tid2' }],
  [S.TlsInfo, 'struct tls_info', { base: 'base', size: 'size' }],
  [S.PsStrings, 'struct ps_strings', { argvstr: 'ps_argvstr', nargvstr: 'ps_nargvstr', envstr: 'ps_envstr', nenvstr: 'ps_nenvstr' }],
  [S.Termios, 'struct termios', { iflag: 'c_iflag', oflag: 'c_oflag', cflag: 'c_cflag', lflag: 'c_lflag', cc: 'c_cc', ispeed: 'c_ispeed', ospeed: 'c_ospeed' }],
  [S.SockaddrIn, 'struct sockaddr_in', { len: 'sin_len', family: 'sin_family', port: 'sin_port', addr: 'sin_addr' }],
  [S.SockaddrIn6, 'struct sockaddr_in6', {
    len: 'sin6_len', family: 'sin6_family', port: 'sin6_port', flowinfo: 'sin6_flowinfo', addr: 'sin6_addr', scopeId: 'sin6_scope_id',
  }],
  [S.SockaddrDl, 'struct sockaddr_dl', {
    len: 'sdl_len', family: 'sdl_family', index: 'sdl_index', type: 'sdl_type', nlen: 'sdl_nlen', alen: 'sdl_alen', slen: 'sdl_slen', data: 'sdl_data',
    rcf: 'sdl_rcf', route: 'sdl_route',
  }],
  [S.IfData, 'struct if_data', {
    type: 'ifi_type', physical: 'ifi_physical', addrlen: 'ifi_addrlen', hdrlen: 'ifi_hdrlen', mtu: 'ifi_mtu', metric: 'ifi_metric',
    linkState: 'ifi_link_state', baudrate: 'ifi_baudrate',
  }],
  [S.IfMsghdr, 'struct if_msghdr', {
    msglen: 'ifm_msglen', version: 'ifm_version', type: 'ifm_type', index: 'ifm_index', flags: 'ifm_flags', addrs: 'ifm_addrs', data: 'ifm_data',
  }],
  [S.IfaMsghdr, 'struct ifa_msghdr', {
    msglen: 'ifam_msglen', version: 'ifam_version', type: 'ifam_type', index: 'ifam_index', flags: 'ifam_flags', addrs: 'ifam_addrs',
    addrflags: 'ifam_addrflags', metric: 'ifam_metric',
  }],
  [S.Ifreq, 'struct ifreq', { name: 'ifr_name', flags: 'ifr_flags', flagshigh: 'ifr_flagshigh' }],
  [S.IfreqInt, 'struct ifreq', { name: 'ifr_name', value: 'ifr_mtu' }],
  [S.IfreqInt, 'struct ifreq', { name: 'ifr_name', value: 'ifr_metric' }],
  [S.IfreqIndex, 'struct ifreq', { name: 'ifr_name', index: 'ifr_index' }],
  [S.IfreqCap, 'struct ifreq', { name: 'ifr_name', reqcap: 'ifr_reqcap', curcap: 'ifr_curcap' }],
  [S.In6IfreqAddr, 'struct in6_ifreq', { name: 'ifr_name', addr: 'ifr_addr' }],
  [S.In6IfreqFlags, 'struct in6_ifreq', { name: 'ifr_name', flags6: 'ifr_ifru.ifru_flags6' }],
  [S.In6Lifetime, 'struct in6_ifreq', {
    name: 'ifr_name', expire: 'ifr_ifru.ifru_lifetime.ia6t_expire', preferred: 'ifr_ifru.ifru_lifetime.ia6t_preferred',
    vltime: 'ifr_ifru.ifru_lifetime.ia6t_vltime', pltime: 'ifr_ifru.ifru_lifetime.ia6t_pltime',
  }],
  [S.Ifaliasreq, 'struct ifaliasreq', { name: 'ifra_name', addr: 'ifra_addr', broadaddr: 'ifra_broadaddr', mask: 'ifra_mask' }],
  [S.Ifdrv, 'struct ifdrv', { name: 'ifd_name', cmd: 'ifd_cmd', len: 'ifd_len', data: 'ifd_data' }],
  [S.Ifbreq, 'struct ifbreq', { ifsname: 'ifbr_ifsname' }],
];

const HEADERS = ['sys/types.h', 'sys/param.h', 'sys/stat.h', 'sys/event.h', 'sys/time.h', 'sys/resource.h', 'sys/mount.h',
  'sys/statvfs.h', 'sys/socket.h', 'sys/uio.h', 'sys/lwp.h', 'sys/tls.h', 'sys/exec.h', 'poll.h', 'fcntl.h', 'signal.h',
  'ucontext.h', 'machine/frame.h', 'machine/sigframe.h', 'termios.h', 'net/if.h', 'net/if_dl.h', 'net/ethernet.h', 'netinet/in.h',
  'net/bridge/if_bridgevar.h', 'netinet6/in6_var.h', 'sys/ioctl.h', 'sys/filio.h', 'sys/sockio.h', 'net/tap/if_tap.h',
  'stddef.h'];

/** The C source asserting every layout: one _Static_assert per fact, its message naming the field. */
function assertions(): string {
  const lines = HEADERS.map((h) => `#include <${h}>`);
  const check = (expr: string, what: string): void => { lines.push(`_Static_assert(${expr}, ${JSON.stringify(what)});`); };
  for (const [st, type, members] of C) {
    check(`sizeof(${type}) == ${st.size}`, `sizeof(${type}) is not ${st.size}`);
    for (const [field, off] of Object.entries(st.off)) {
      const m = members[field];
      if (m === undefined) throw new Error(`${st.name}.${field}: no C member named in this test`);
      const member = typeof m === 'string' ? m : m.at;
      check(`offsetof(${type}, ${member}) == ${off}`, `${st.name}.${field}: ${member} is not at ${off}`);
      if (typeof m === 'string') check(`sizeof(((${type} *)0)->${m}) == ${st.width[field]}`, `${st.name}.${field}: ${m} is not ${st.width[field]} bytes`);
    }
  }
  for (const [name, cmd] of Object.entries(IOCTL)) check(`(unsigned long)${name} == ${cmd}UL`, `${name} is not 0x${cmd.toString(16)}`);
  return lines.join('\n') + '\n';
}

const build = dragonflyBuild();
const clang = spawnSync('clang', ['--version']).status === 0;
if (build && !clang) process.stderr.write('struct layout test skipped: no clang on PATH\n');

describe.skipIf(!build || !clang)('DragonFly structure layouts (src/vm/abi/structs.ts)', () => {
  it("match DragonFly 5.9's headers: every field's offset and size, every sizeof, every ioctl number", () => {
    const file = path.join(scratch(), 'layouts.c');
    fs.writeFileSync(file, assertions());
    const r = spawnSync('clang', ['-target', 'x86_64-unknown-dragonfly', `--sysroot=${build!.world}`, '-fsyntax-only',
      '-ferror-limit=0', file], { encoding: 'utf8' });
    const failed = [...r.stderr.matchAll(/error: static_assert(?:ion)? failed.*"([^"]*)"$/gm)].map((x) => x[1]);
    expect(failed).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('layout helpers (src/vm/abi/layout.ts)', () => {
  it('write what they read: scalars, a 128-bit set, bytes and an embedded structure, at an offset', () => {
    const inner = struct('inner', 16, { a: [0, 'i64'], b: [8, 'u16'] });
    const outer = struct('outer', 48, { x: [0, 'i32'], set: [8, 'u128'], name: [24, bytes(4)], in: [32, inner] });
    const v = { x: -5, set: (1n << 127n) | 3n, name: Buffer.from('abcd'), in: { a: -(2n ** 63n), b: 65535 } };
    const b = Buffer.alloc(58);
    outer.write(b, v, 10);
    expect(outer.read(b, 10)).toEqual(v);
    expect(b.readBigUInt64LE(10 + 16)).toBe(1n << 63n);
    expect(outer.encodeArray([v, { x: 1 }]).length).toBe(96);
    expect(outer.readArray(outer.encodeArray([v, { x: 1 }]), 2)[1]).toMatchObject({ x: 1, set: 0n });
  });

  it('refuse fields that overlap or lie outside the structure', () => {
    expect(() => struct('bad', 8, { a: [0, 'i64'], b: [4, 'i32'] })).toThrow('bad: b overlaps a');
    expect(() => struct('short', 8, { a: [4, 'i64'] })).toThrow('short: a (at 4, 8 bytes) lies outside its 8 bytes');
  });
});
