// Loading a DragonFly ELF program into a fresh address space, with the
// initial stack, auxiliary vector and registers of vkernel-host-abi.md §8.4,
// and execve's replacement of a process's program (execProgram).
import fs from 'node:fs';
import path from 'node:path';
import { MapKind, PROT_EXEC, PROT_READ, PROT_WRITE, Reg, type AddressSpace } from '../cpu/engine.js';
import { PsStrings } from './abi/structs.js';
import { ET_DYN, parseElf, PF_R, PF_W, PF_X, PT_LOAD, PT_PHDR, type ElfImage } from './elf.js';
import { PAGE, pageDown, pageUp, USRSTACK } from './memory.js';
import type { GuestThread } from './thread.js';
import type { Machine } from './machine.js';
import { endThread } from './procexit.js';
import { unshareFds, type Process } from './process.js';

export const PS_STRINGS = USRSTACK - PsStrings.size;
export const SIGCODE_PAGE = 0x7fffffdfe000;
export const STACK_SIZE = 4 * 1024 * 1024;
const ET_DYN_BASE = 0x1000000;
const MAXDSIZ = 32 * 1024 * 1024 * 1024;
export const OSRELDATE = 500901;

// The signal trampoline: call the handler stored at [rsp], then sigreturn
// with the ucontext at rsp + 64; a hlt loop if that ever returns.
const SIGCODE = Buffer.from([
  0xff, 0x14, 0x24, // call *(%rsp)
  0x48, 0x8d, 0x7c, 0x24, 0x40, // lea 64(%rsp), %rdi
  0x6a, 0x00, // push $0
  0xb8, 0x58, 0x01, 0x00, 0x00, // mov $344, %eax
  0x0f, 0x05, // syscall
  0xf4, // hlt
  0xeb, 0xfd, // jmp .-1
]);

const AT = { NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, EXECPATH: 15, OSRELDATE: 18 };

export class ExecError extends Error {
  constructor(readonly errno: number, msg: string) {
    super(msg);
  }
}

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/** Map an image's PT_LOAD segments at `bias`. Returns the end of the last one. */
function mapSegments(space: AddressSpace, img: ElfImage, bias: number): { lo: number; hi: number; dataStart: number } {
  const loads = img.phdrs.filter((p) => p.type === PT_LOAD);
  const lo = pageDown(Math.min(...loads.map((p) => p.vaddr)) + bias);
  const hi = pageUp(Math.max(...loads.map((p) => p.vaddr + p.memsz)) + bias);
  if (space.map(lo, hi - lo, PROT_READ | PROT_WRITE, MapKind.PrivateAnon, -1, 0) < 0) {
    throw new ExecError(12, `${img.path}: cannot map ${((hi - lo) / 1048576).toFixed(1)} MiB at 0x${lo.toString(16)}`);
  }
  const pageProt = new Map<number, number>();
  for (const p of loads) {
    if (p.filesz > 0) space.write(p.vaddr + bias, img.data, p.offset, p.filesz);
    for (let a = pageDown(p.vaddr + bias); a < p.vaddr + bias + p.memsz; a += PAGE) {
      pageProt.set(a, (pageProt.get(a) ?? 0) | protOf(p.flags));
    }
  }
  // Apply protections in runs; unmap the gaps between segments.
  let runStart = lo, runProt = pageProt.get(lo) ?? -1;
  const flush = (end: number): void => {
    if (runProt < 0) space.unmap(runStart, end - runStart);
    else space.protect(runStart, end - runStart, runProt);
  };
  for (let a = lo + PAGE; a <= hi; a += PAGE) {
    const pr = a < hi ? pageProt.get(a) ?? -1 : -2;
    if (pr !== runProt) {
      flush(a);
      runStart = a;
      runProt = pr;
    }
  }
  const entrySeg = loads.find((p) => img.entry >= p.vaddr && img.entry < p.vaddr + p.memsz);
  const data = loads.filter((p) => p !== entrySeg).pop() ?? loads[loads.length - 1];
  return { lo, hi, dataStart: data.vaddr + bias };
}

export interface ExecRequest {
  hostPath: string;
  guestPath: string;
  /** The program file's contents when the caller has read them already (execve). */
  image?: Buffer;
  argv: string[];
  envp: string[];
  /** Resolves a guest path (the interpreter) to a host path. */
  resolve: (guestPath: string) => string;
  randomGap: number;
}

/** Load the program into p.space (already empty) and set up thread t to start it. */
export function loadProgram(p: Process, t: GuestThread, req: ExecRequest): ElfImage {
  let data: Buffer;
  try {
    data = req.image ?? fs.readFileSync(req.hostPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExecError(code === 'ENOENT' ? 2 : code === 'EACCES' ? 13 : code === 'EISDIR' ? 13 : 5,
      `${req.guestPath}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? 'unknown error'})`}`);
  }
  let img: ElfImage;
  try {
    img = parseElf(req.guestPath, data);
  } catch (e) {
    throw new ExecError(8, (e as Error).message);
  }
  const space = p.space;
  const bias = img.type === ET_DYN ? ET_DYN_BASE : 0;
  const main = mapSegments(space, img, bias);
  p.brkBase = p.brk = main.hi;
  p.mmapBase = pageUp(main.dataStart + MAXDSIZ);
  if (img.osrel) p.osrel = img.osrel;

  let entry = img.entry + bias;
  let interpBase = 0;
  if (img.interp) {
    const hostInterp = req.resolve(img.interp);
    let idata: Buffer;
    try {
      idata = fs.readFileSync(hostInterp);
    } catch {
      throw new ExecError(2, `${req.guestPath}: interpreter ${img.interp} not found (looked for ${hostInterp}; use -L to name the DragonFly root)`);
    }
    let interp: ElfImage;
    try {
      interp = parseElf(img.interp, idata);
    } catch (e) {
      throw new ExecError(8, `${req.guestPath}: bad interpreter: ${(e as Error).message}`);
    }
    interpBase = p.mmapBase;
    const r = mapSegments(space, interp, interpBase - pageDown(Math.min(...interp.phdrs.filter((x) => x.type === PT_LOAD).map((x) => x.vaddr))));
    entry = interp.entry + (interpBase - pageDown(Math.min(...interp.phdrs.filter((x) => x.type === PT_LOAD).map((x) => x.vaddr))));
    p.mmapBase = r.hi;
  }

  // Stack, trampoline page and PS_STRINGS.
  const stackLo = USRSTACK - STACK_SIZE;
  space.map(stackLo, STACK_SIZE, PROT_READ | PROT_WRITE, MapKind.PrivateAnon, -1, 0);
  space.write(SIGCODE_PAGE, SIGCODE);
  space.protect(SIGCODE_PAGE, PAGE, PROT_READ | PROT_EXEC);

  const execPath = Buffer.from(req.guestPath + '\0');
  const execPathAddr = SIGCODE_PAGE - Math.ceil(execPath.length / 8) * 8;
  space.write(execPathAddr, execPath);
  const strings = [...req.argv, ...req.envp].map((s) => Buffer.from(s + '\0'));
  const strBytes = Math.ceil(strings.reduce((a, b) => a + b.length, 0) / 8) * 8;
  let destp = execPathAddr - 256 - (req.randomGap & ~15);
  destp -= strBytes;
  const strAddrs: number[] = [];
  let sp = destp;
  for (const s of strings) {
    space.write(sp, s);
    strAddrs.push(sp);
    sp += s.length;
  }
  const phdrSeg = img.phdrs.find((x) => x.type === PT_PHDR);
  const phdrAddr = phdrSeg ? phdrSeg.vaddr + bias
    : (img.phdrs.find((x) => x.type === PT_LOAD && x.offset === 0)?.vaddr ?? 0) + img.phoff + bias;
  const aux: [number, number][] = [
    [AT.PHDR, phdrAddr], [AT.PHENT, 56], [AT.PHNUM, img.phnum], [AT.PAGESZ, PAGE], [AT.FLAGS, 0],
    [AT.ENTRY, img.entry + bias], [AT.BASE, interpBase], [AT.EXECPATH, execPathAddr],
    [AT.OSRELDATE, OSRELDATE], [AT.NULL, 0],
  ];
  const argc = req.argv.length, envc = req.envp.length;
  const words = 1 + argc + 1 + envc + 1 + aux.length * 2;
  const rdi = destp - words * 8;
  const vec = Buffer.alloc(words * 8);
  let w = 0;
  const put = (v: number): void => { vec.writeBigUInt64LE(BigInt(v), w); w += 8; };
  put(argc);
  for (let i = 0; i < argc; i++) put(strAddrs[i]);
  put(0);
  for (let i = 0; i < envc; i++) put(strAddrs[argc + i]);
  put(0);
  for (const [k, v] of aux) { put(k); put(v); }
  space.write(rdi, vec);
  space.write(PS_STRINGS, PsStrings.encode({
    argvstr: BigInt(rdi + 8), nargvstr: argc, envstr: BigInt(rdi + 8 + (argc + 1) * 8), nenvstr: envc,
  }));

  for (let r = Reg.RAX; r <= Reg.R15; r++) t.setNum(r, 0);
  t.setNum(Reg.RIP, entry);
  t.setNum(Reg.RDI, rdi);
  t.setNum(Reg.RSP, Math.floor((rdi - 8) / 16) * 16 + 8);
  t.setNum(Reg.RBX, PS_STRINGS);
  t.setNum(Reg.RFLAGS, 0x202);
  t.setNum(Reg.FS_BASE, 0);
  t.setNum(Reg.GS_BASE, 0);
  p.exePath = req.guestPath;
  p.args = req.argv;
  return img;
}

/**
 * execve: a new program in place of p's, run by t (p's other threads end), with
 * a new address space (a vfork child hands its parent's back), close-on-exec
 * descriptors closed and caught signals reset. Throws ExecError, p unchanged.
 */
export function execProgram(m: Machine, p: Process, t: GuestThread, path0: string, argv: string[], envp: string[], image?: Buffer): void {
  const hostPath = m.resolveProgram(p, path0);
  if (hostPath === undefined) throw new ExecError(2, `${path0}: not in the guest root ${m.opts.root}`);
  // AT_EXECPATH and kern.proc.pathname name the program absolutely.
  const guestPath = path0.startsWith('/') ? path0 : path.resolve(m.guestPath(p.cwd, p), path0);
  const space = m.engine.createSpace();
  const old = p.space;
  p.space = space;
  const cpu = m.engine.createThread(space, t.regs);
  try {
    loadProgram(p, t, {
      hostPath, guestPath, argv, envp, image, resolve: (g) => m.resolvePath(p, g, true),
      randomGap: m.opts.deterministic ? 0 : Math.floor(Math.random() * 1024),
    });
  } catch (e) {
    space.close();
    p.space = old;
    throw e;
  }
  for (const other of p.threads.values()) if (other !== t) endThread(m, other);
  t.cpu = cpu;
  m.debugger?.execed(p, old, space);
  // A vfork child hands the borrowed space back to its parent instead.
  if (p.vforkOf) p.vforkOf.release();
  else old.close();
  m.fastCalls(space, p.pid);
  // A table shared with another process (rfork without RFFDG) is not shared past exec.
  unshareFds(p);
  p.fds.closeOnExec();
  for (const a of p.sigactions) if (a.handler > 1n) { a.handler = 0n; a.flags = 0; a.mask = 0n; }
  t.altstack = { sp: 0, size: 0, flags: 4 };
  t.onAltStack = false;
  t.tls = [{ base: 0n, size: 0n }, { base: 0n, size: 0n }];
}
