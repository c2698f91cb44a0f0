// mmap/munmap/mprotect/brk semantics of a DragonFly host on top of an
// AddressSpace (vkernel-host-abi.md §7.7).
import { MapKind, PROT_EXEC, PROT_READ, PROT_WRITE, type AddressSpace } from '../cpu/engine.js';
import { E } from './abi/errno.js';
import { MAP } from './abi/flags.js';
import type { Process } from './process.js';
import type { OpenFile } from './files/file.js';

export const PAGE = 4096;
export const USRSTACK = 0x7fffffe00000;
export const USER_TOP = USRSTACK;
const SEG = 0x200000;

export function pageDown(a: number): number {
  return a - (a % PAGE);
}
export function pageUp(a: number): number {
  return Math.ceil(a / PAGE) * PAGE;
}

/** Guest mmap: returns the address, or a negative errno. */
/** What mmap needs of its target: the process itself, or one of its vmspaces. */
export interface MmapTarget { space: AddressSpace; mmapBase: number }

export function guestMmap(
  p: MmapTarget, addr: number, len: number, prot: number, flags: number, file: OpenFile | undefined,
  off: number,
): number {
  if (len <= 0) return -E.EINVAL;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) return -E.EINVAL;
  const size = pageUp(len);
  if (size > USER_TOP) return -E.ENOMEM;
  const anon = (flags & MAP.ANON) !== 0;
  if (flags & MAP.VPAGETABLE) {
    if (!file || (prot & 3) !== 3 || flags & MAP.STACK) return -E.EINVAL;
  }
  if (anon) {
    if (off !== 0) return -E.EINVAL;
  } else {
    if (!file) return -E.EBADF;
    if (off % PAGE !== 0) return -E.EINVAL;
    const hostFd = file.ops.hostFd;
    if (hostFd === undefined || (file.ops.kind !== 'file' && file.ops.kind !== 'dev')) return -E.ENODEV;
    const acc = file.flags & 3;
    if (acc === 1) return -E.EACCES; // write-only descriptors cannot be mapped
    if (flags & MAP.SHARED && prot & PROT_WRITE && acc !== 2) return -E.EACCES;
  }
  const fixed = (flags & (MAP.FIXED | MAP.TRYFIXED)) !== 0;
  let at: number;
  if (fixed) {
    if (addr % PAGE !== 0) return -E.EINVAL;
    // Outside the user address space: EINVAL, as DragonFly's vm_mmap says.
    if (addr + size > USER_TOP || addr + size < addr) return -E.EINVAL;
    if (flags & MAP.TRYFIXED && !p.space.isFree(addr, size)) return -E.ENOMEM;
    at = addr;
  } else {
    let hint = pageUp(addr);
    if (hint < p.mmapBase) hint = p.mmapBase;
    const align = size % SEG === 0 || size > 32 * 1024 * 1024 ? SEG : PAGE;
    at = p.space.findFree(hint, size, align);
    if (at < 0) at = p.space.findFree(0x10000, size, align);
    if (at < 0) return -E.ENOMEM;
  }
  let kind: MapKind;
  if (flags & MAP.VPAGETABLE) kind = MapKind.VPageTable;
  else if (anon) kind = flags & MAP.SHARED ? MapKind.SharedAnon : MapKind.PrivateAnon;
  else kind = flags & MAP.SHARED ? MapKind.SharedFile : MapKind.PrivateFile;
  const hostFd = anon ? -1 : file!.ops.hostFd!;
  const r = p.space.map(at, size, prot, kind, hostFd, kind === MapKind.VPageTable ? 0 : off);
  if (r < 0) return -E.ENOMEM;
  return at;
}

export function guestMunmap(p: MmapTarget, addr: number, len: number): number {
  if (addr % PAGE !== 0 || len <= 0) return -E.EINVAL;
  const size = pageUp(len);
  if (addr + size > USER_TOP || addr + size < addr) return -E.EINVAL;
  p.space.unmap(addr, size);
  return 0;
}

export function guestMprotect(p: Process, addr: number, len: number, prot: number): number {
  if (addr % PAGE !== 0) return -E.EINVAL;
  if (len === 0) return 0;
  const size = pageUp(len);
  if (addr + size > USER_TOP || addr + size < addr) return -E.EINVAL;
  const r = p.space.protect(addr, size, prot & 7);
  return r < 0 ? -E.ENOMEM : 0;
}

/** break(2): move the program break; returns 0 or -errno. */
export function guestBrk(p: Process, want: number): number {
  if (want < p.brkBase) return -E.EINVAL;
  const oldTop = pageUp(p.brk);
  const newTop = pageUp(want);
  if (newTop > oldTop) {
    if (!p.space.isFree(oldTop, newTop - oldTop)) return -E.ENOMEM;
    if (p.space.map(oldTop, newTop - oldTop, PROT_READ | PROT_WRITE, MapKind.PrivateAnon, -1, 0) < 0) return -E.ENOMEM;
  } else if (newTop < oldTop) {
    p.space.unmap(newTop, oldTop - newTop);
  }
  p.brk = want;
  return 0;
}
