// Memory: mmap, munmap, mprotect, madvise, mcontrol, break.
import { E } from '../abi/errno.js';
import { MAP } from '../abi/flags.js';
import { PROT_READ, PROT_WRITE } from '../../cpu/engine.js';
import { guestBrk, guestMmap, guestMprotect, guestMunmap, PAGE, pageUp, USER_TOP } from '../memory.js';
import type { Sys, Handler } from './types.js';

function mmap(s: Sys): number {
  // mmap(addr, len, prot, flags, fd, pad, pos): pos is the 7th argument (on the stack).
  const addr = s.ptr(0), len = s.ptr(1), prot = s.int(2), fd = s.int(4);
  let flags = s.int(3), off = s.long(6);
  if (flags & MAP.ANON && (fd !== -1 || off !== 0)) return -E.EINVAL;
  // A backend without the vkernel MMU: DragonFly's answer with vm.vkernel_enable=0.
  if (flags & MAP.VPAGETABLE && !s.m.engine.caps.vpageTable) return -E.EOPNOTSUPP;
  // MAP_STACK from user space is plain anonymous read/write memory (DragonFly vm_mmap, §7.7).
  if (flags & MAP.STACK) {
    if (fd !== -1 || (prot & (PROT_READ | PROT_WRITE)) !== (PROT_READ | PROT_WRITE)) return -E.EINVAL;
    flags |= MAP.ANON;
    off = 0;
  }
  const anon = (flags & MAP.ANON) !== 0;
  let file;
  if (!anon) {
    const e = s.p.fds.get(fd);
    if (!e) return -E.EBADF;
    file = e.file;
  }
  // An offset inside a page maps from the page start; the result points at the offset's byte.
  const pageoff = anon ? 0 : ((off % PAGE) + PAGE) % PAGE;
  const fixed = (flags & (MAP.FIXED | MAP.TRYFIXED)) !== 0;
  if (len === 0) return -E.EINVAL;
  const at = fixed ? addr - pageoff : addr;
  if (fixed && at % PAGE !== 0) return -E.EINVAL;
  const r = guestMmap(s.p, at, len + pageoff, prot, flags, file, off - pageoff);
  return r < 0 ? r : r + pageoff;
}

const MADV_INVAL = 10, MADV_SETMAP = 11;

function madvise(s: Sys, control: boolean): number {
  const addr = s.ptr(0), len = s.ptr(1), behav = s.int(2);
  if (behav < 0 || behav > (control ? MADV_SETMAP : MADV_INVAL)) return -E.EINVAL;
  if (addr + len < addr || addr + len > USER_TOP + 0x10000000000) return -E.EINVAL;
  if (behav === MADV_INVAL) {
    s.p.space.inval(addr, len);
    return 0;
  }
  if (behav === MADV_SETMAP) {
    const start = addr - (addr % PAGE);
    return s.p.space.setMasterPde(start, pageUp(addr + len) - start, s.raw(3)) < 0 ? -E.EINVAL : 0;
  }
  if (behav === 4 /* DONTNEED */ || behav === 5 /* FREE */) return 0;
  return 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const memHandlers = {
  mmap,
  munmap: (s) => guestMunmap(s.p, s.ptr(0), s.ptr(1)),
  mprotect: (s) => guestMprotect(s.p, s.ptr(0), s.ptr(1), s.int(2)),
  madvise: (s) => madvise(s, false),
  mcontrol: (s) => madvise(s, true),
  minherit: () => 0,
  msync: () => 0,
  mlock: () => 0,
  munlock: () => 0,
  mincore: (s) => {
    if (s.ptr(1) > USER_TOP || s.ptr(0) % PAGE) return -E.EINVAL;
    const n = Math.ceil(s.ptr(1) / PAGE);
    if (!s.p.space.check(s.ptr(0), s.ptr(1), 0)) return -E.ENOMEM;
    return s.p.space.write(s.ptr(2), Buffer.alloc(n, 1)) ? 0 : -E.EFAULT;
  },
  break: (s) => guestBrk(s.p, s.ptr(0)),
  sbrk: (s) => { const old = s.p.brk; const r = guestBrk(s.p, old + s.long(0)); return r < 0 ? r : old; },
} satisfies Record<string, Handler>;
