// fork, vfork, execve, wait4 (procctl(2) itself is in hostid.ts).
import fs from 'node:fs';
import { Reg } from '../../cpu/engine.js';
import { E } from '../abi/errno.js';
import { SA_NOCLDWAIT, SIG } from '../abi/signals.js';
import { Rusage, Siginfo } from '../abi/structs.js';
import { elfOsAbi, ELFOSABI_LINUX, hasDragonflyNote, isElf } from '../elf.js';
import { ExecError } from '../exec.js';
import { DEFAULT_MAX_PROCS, Process, replaceFds, unshareFds } from '../process.js';
import { inheritCwd } from '../cwd.js';
import { FdTable } from '../files/file.js';
import { cstring } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const ARG_MAX = 262144;

/** How a new process is made: fork (defaults), vfork, or one of rfork's variants. */
interface ForkHow {
  vfork?: boolean;
  /** The child's descriptors: a copy (fork, RFFDG), none (RFCFDG) or the parent's table itself (rfork without either). */
  fds?: 'copy' | 'empty' | 'shared';
  /** RFNOWAIT: the child is not the caller's to wait for (it leaves no zombie). */
  detach?: boolean;
}

function fork(s: Sys, how: ForkHow = {}): SyscallResult | Promise<SyscallResult> {
  const m = s.m, p = s.p, t = s.t, vfork = how.vfork === true;
  if ([...m.procs.values()].filter((x) => x.state === 'running').length >= (m.opts.maxProcs ?? DEFAULT_MAX_PROCS)) return -E.EAGAIN;
  let space;
  if (vfork) {
    // The child borrows the parent's address space; the parent waits (below).
    space = p.space;
  } else {
    try {
      space = m.engine.createSpace();
    } catch {
      return -E.EAGAIN;
    }
    if (space.copyFrom(p.space) < 0) {
      space.close();
      return -E.ENOMEM;
    }
  }
  const fds = how.fds === 'empty' ? new FdTable(p.fds.limit, p.fds.hook) : how.fds === 'shared' ? p.fds : p.fds.clone();
  const c = new Process(m.allocPid(), how.detach ? undefined : p, space, fds, p.cwd, m.kernel.locks);
  inheritCwd(c, p);
  c.root = p.root;
  c.sigactions = p.sigactions.map((a) => ({ ...a }));
  c.umask = p.umask;
  c.rlimits = new Map([...p.rlimits].map(([k, v]) => [k, { ...v }]));
  c.brkBase = p.brkBase;
  c.brk = p.brk;
  c.mmapBase = p.mmapBase;
  c.exePath = p.exePath;
  c.args = p.args;
  c.osrel = p.osrel;
  c.pgid = p.pgid;
  c.sid = p.sid;
  const ct = c.newThread(t.tid);
  const cpu = t.cpu.clone(ct.regs);
  cpu.moveTo(space);
  ct.cpu = cpu;
  ct.sigmask = t.sigmask;
  ct.tls = [{ ...t.tls[0] }, { ...t.tls[1] }];
  ct.altstack = { ...t.altstack };
  // The child returns 0 with rdx = 1 (DragonFly's fork convention).
  ct.setNum(Reg.RAX, 0);
  ct.setNum(Reg.RDX, 1);
  ct.set(Reg.RFLAGS, ct.get(Reg.RFLAGS) & ~1n);
  if (how.detach) { c.pgid = p.pgid; c.sid = p.sid; } else p.children.push(c);
  m.procs.set(c.pid, c);
  m.fastCalls(space, c.pid);
  m.makeRunnable(ct);
  if (!vfork) return [c.pid, 0];
  // vfork: the parent sleeps, not interruptibly, until the child execs or exits.
  return m.block(t, 'vfork', false, (done) => {
    c.vforkOf = {
      parent: p,
      release: () => {
        c.vforkOf = undefined;
        // A parent that was killed meanwhile left the space to its child to close.
        if (p.state !== 'running') space.close();
        else m.fastCalls(p.space, p.pid);
        done(c.pid);
      },
    };
  }).then((pid): SyscallResult => [pid, 0]);
}

const RFFDG = 1 << 2, RFPROC = 1 << 4, RFMEM = 1 << 5, RFNOWAIT = 1 << 6, RFCFDG = 1 << 12;
const RFKERNELONLY = (1 << 30) | (1 << 31);

function rfork(s: Sys): SyscallResult | Promise<SyscallResult> {
  const flags = s.int(0);
  if (flags & RFKERNELONLY) return -E.EINVAL;
  if ((flags & (RFFDG | RFCFDG)) === (RFFDG | RFCFDG)) return -E.EINVAL;
  if (!(flags & RFPROC)) {
    // Changes to the caller itself, which DragonFly allows only while it has one thread.
    if (s.p.liveThreads().length !== 1) return -E.EINVAL;
    // A new empty table (a process sharing the old one keeps its descriptors), or an own copy.
    if (flags & RFCFDG) replaceFds(s.p, new FdTable(s.p.fds.limit, s.p.fds.hook));
    if (flags & RFFDG) unshareFds(s.p);
    return [0, 0];
  }
  if (flags & RFMEM) return -E.EOPNOTSUPP;
  const fds = flags & RFCFDG ? 'empty' : flags & RFFDG ? 'copy' : 'shared';
  return fork(s, { fds, detach: (flags & RFNOWAIT) !== 0 });
}

/** argv/envp vectors: strings until a NULL pointer. */
function stringVector(s: Sys, addr: number, budget: { left: number }): string[] | number {
  const out: string[] = [];
  if (addr === 0) return out;
  for (let i = 0; ; i++) {
    const pb = s.p.space.read(addr + i * 8, 8);
    if (!pb) return -E.EFAULT;
    const ptr = Number(pb.readBigUInt64LE(0));
    if (ptr === 0) return out;
    const str = cstring(s, ptr, budget.left);
    if (typeof str === 'number') return str === -E.ENAMETOOLONG ? -E.E2BIG : str;
    budget.left -= str.length + 1;
    if (budget.left <= 0) return -E.E2BIG;
    out.push(str);
  }
}

/** Why a program's contents are not a DragonFly program we can run, or undefined. */
function foreignReason(data: Buffer): string | undefined {
  if (!isElf(data)) return undefined;
  // DragonFly's toolchain marks its programs: no need to search the file (each search below reads
  // all of it: 6-15 ms of CPU per exec of a 5 MB VKERNEL64, which a boot execs twice).
  if (hasDragonflyNote(data)) return undefined;
  if (data.includes('/lib64/ld-linux') || data.includes('/lib/ld-linux')) return 'a Linux program (ld-linux interpreter)';
  if (elfOsAbi(data) === ELFOSABI_LINUX) return 'a Linux program (ELF OS/ABI 3)';
  if (data.includes('\tGOOS=linux\n')) return 'a Go program built for linux';
  // Go embeds runtime.GOOS; a Go program for DragonFly always names it.
  if (data.includes('\xff Go buildinf:', 0, 'latin1') && !data.includes('dragonfly')) return 'a Go program for another OS';
  return undefined;
}

function execve(s: Sys): SyscallResult {
  const path = cstring(s, s.ptr(0));
  if (typeof path === 'number') return path;
  const budget = { left: ARG_MAX };
  const argv = stringVector(s, s.ptr(1), budget);
  if (typeof argv === 'number') return argv;
  const envp = stringVector(s, s.ptr(2), budget);
  if (typeof envp === 'number') return envp;
  let prog = path;
  let args = argv;
  let image: Buffer;
  for (let depth = 0; ; depth++) {
    const host = s.m.resolveProgram(s.p, prog);
    if (host === undefined) return -E.ENOENT;
    let head: Buffer;
    try {
      const fd = fs.openSync(host, 'r');
      head = Buffer.alloc(256);
      const n = fs.readSync(fd, head, 0, 256, 0);
      head = head.subarray(0, n);
      const st = fs.fstatSync(fd);
      fs.closeSync(fd);
      if (st.isDirectory()) return -E.EACCES;
      if (!(st.mode & 0o111)) return -E.EACCES;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? -E.ENOENT : code === 'ENOTDIR' ? -E.ENOTDIR : -E.EACCES;
    }
    if (head.subarray(0, 2).toString() === '#!' && depth < 4) {
      const line = head.toString('latin1').split('\n')[0].slice(2).trim();
      if (!line) return -E.ENOEXEC;
      const sp = line.search(/\s/);
      const interp = sp < 0 ? line : line.slice(0, sp);
      const opt = sp < 0 ? '' : line.slice(sp).trim();
      args = [interp, ...(opt ? [opt] : []), prog, ...args.slice(1)];
      prog = interp;
      continue;
    }
    // Read once, for this check and for the loader: the whole file was read twice per exec before
    // (a 5 MB VKERNEL64, a 10 MB Go program).
    try {
      image = fs.readFileSync(host);
    } catch {
      return -E.EACCES;
    }
    const foreign = foreignReason(image);
    if (foreign) {
      s.m.warnOnce(`exec:${host}`, `execve ${prog}: ${foreign}, not a DragonFly program: ENOEXEC`);
      return -E.ENOEXEC;
    }
    break;
  }
  try {
    s.m.exec(s.p, s.t, prog, args, envp, image);
  } catch (e) {
    if (e instanceof ExecError) {
      s.m.warnOnce(`exec:${prog}`, `execve ${prog}: ${e.message}`);
      return -e.errno;
    }
    throw e;
  }
  return 'justreturn';
}

const WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 4, WNOWAIT = 8;
const CLD_EXITED = 1, CLD_KILLED = 2, CLD_STOPPED = 5, CLD_CONTINUED = 6;

interface WaitRequest {
  matches: (c: Process) => boolean;
  statusp: number;
  options: number;
  rusagep: number;
  infop: number;
}

/** wait4 and wait6: report (and unless WNOWAIT, reap) a zombie child. */
function waitFor(s: Sys, w: WaitRequest): SyscallResult | Promise<SyscallResult> {
  const p = s.p;
  const attempt = (): number | undefined => {
    const mine = p.children.filter(w.matches);
    if (mine.length === 0) return -E.ECHILD;
    const z = mine.find((c) => c.state === 'zombie');
    // Job control (WUNTRACED, WCONTINUED): a stop or continue is reported once.
    const j = z ? undefined : mine.find((c) => c.state === 'running' && c.jobReport
      && (c.jobReport.kind === 'stopped' ? w.options & WUNTRACED : w.options & WCONTINUED));
    const c = z ?? j;
    if (!c) return w.options & WNOHANG ? 0 : undefined;
    const report = j?.jobReport;
    // DragonFly's encodings: W_STOPCODE(sig) for a stop, SIGCONT (19) for a continue.
    const status = report ? (report.kind === 'stopped' ? (report.sig << 8) | 0x7f : SIG.SIGCONT) : c.status;
    if (w.statusp) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(status, 0);
      if (!p.space.write(w.statusp, b)) return -E.EFAULT;
    }
    if (w.rusagep && !p.space.write(w.rusagep, Buffer.alloc(Rusage.size))) return -E.EFAULT;
    if (w.infop) {
      const sig = c.status & 0x7f;
      const code = report ? (report.kind === 'stopped' ? CLD_STOPPED : CLD_CONTINUED) : sig ? CLD_KILLED : CLD_EXITED;
      const si = Siginfo.encode({
        signo: SIG.SIGCHLD, code, pid: c.pid,
        status: report ? (report.kind === 'stopped' ? report.sig : SIG.SIGCONT) : sig || (c.status >> 8) & 0xff,
      });
      if (!p.space.write(w.infop, si)) return -E.EFAULT;
    }
    if (!(w.options & WNOWAIT)) {
      if (report) c.jobReport = undefined;
      else reap(s, c);
    }
    return c.pid;
  };
  const now = attempt();
  if (now !== undefined) return now;
  return s.m.block(s.t, 'wait', true, (done) => {
    let set = s.m.childWaiters.get(p);
    if (!set) s.m.childWaiters.set(p, (set = new Set()));
    const check = (): void => { const r = attempt(); if (r !== undefined) done(r); };
    set.add(check);
    return () => set!.delete(check);
  });
}

function wait4(s: Sys): SyscallResult | Promise<SyscallResult> {
  const pid = s.int(0), pgid = s.p.pgid;
  return waitFor(s, {
    matches: (c) => pid === -1 || (pid > 0 && c.pid === pid) || (pid === 0 && c.pgid === pgid) || (pid < -1 && c.pgid === -pid),
    statusp: s.ptr(1), options: s.int(2), rusagep: s.ptr(3), infop: 0,
  });
}

const P_PID = 0, P_PGID = 2, P_ALL = 7;

function wait6(s: Sys): SyscallResult | Promise<SyscallResult> {
  const idtype = s.int(0), id = s.long(1);
  let matches: (c: Process) => boolean;
  if (idtype === P_PID) matches = (c) => c.pid === id;
  else if (idtype === P_PGID) matches = (c) => c.pgid === (id || s.p.pgid);
  else if (idtype === P_ALL) matches = () => true;
  else return -E.EINVAL;
  const options = s.int(3);
  if (!(options & 0x10 /* WEXITED */) && !(options & 0x7e)) return -E.EINVAL;
  return waitFor(s, { matches, statusp: s.ptr(2), options, rusagep: s.ptr(4), infop: s.ptr(5) });
}

export function reap(s: Sys, z: Process): void {
  z.state = 'reaped';
  s.p.children = s.p.children.filter((c) => c !== z);
  s.m.procs.delete(z.pid);
}

/** Children of a parent that ignores SIGCHLD (or asked SA_NOCLDWAIT) leave no zombie. */
export function autoReaps(parent: Process): boolean {
  const a = parent.sigactions[SIG.SIGCHLD];
  return a.handler === 1n || (a.flags & SA_NOCLDWAIT) !== 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const forkExecHandlers = {
  fork,
  vfork: (s) => fork(s, { vfork: true }),
  rfork,
  execve,
  wait4,
  wait6,
} satisfies Record<string, Handler>;
