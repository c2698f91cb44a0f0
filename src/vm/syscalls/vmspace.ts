// The virtual-kernel extensions: vmspace_create/destroy/mmap/munmap/
// mcontrol/ctl/pread/pwrite (vkernel-host-abi.md §2.1).
import { E } from '../abi/errno.js';
import { MAP } from '../abi/flags.js';
import { guestMmap, guestMunmap, PAGE, pageUp } from '../memory.js';
import { contextsIn, enterVmspace } from '../vmspace.js';
import { Reg, vkernelCapable } from '../../cpu/engine.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const VMSPACE_CTL_RUN = 1;
const MADV_INVAL = 10, MADV_SETMAP = 11;

function lookup(s: Sys, i: number): { space: import('../../cpu/engine.js').AddressSpace } | number {
  if (!s.p.vkernel) return -E.EINVAL;
  return s.p.vmspaces.get(s.raw(i)) ?? -E.ENOENT;
}

function create(s: Sys): SyscallResult {
  const id = s.raw(0);
  // Guest contexts need the vkernel MMU and the context switch: without them DragonFly's vm.vkernel_enable=0 answer.
  if (!vkernelCapable(s.m.engine.caps)) return -E.EOPNOTSUPP;
  if (s.p.vmspaces.has(id)) return -E.EEXIST;
  if (s.p.vmspaces.size >= 4096) return -E.ENOMEM;
  let space;
  try {
    // The vmspaces of a vkernel share an engine: its processes run the same programs from
    // the same memory image, translated once (native/src/codepages.cc).
    space = s.m.engine.createSpace(s.p.vmspaces.values().next().value?.space);
  } catch {
    return -E.ENOMEM;
  }
  s.p.vmspaces.set(id, { space });
  s.p.space.setVmspace(id, space);
  s.p.vkernel = true;
  return 0;
}

function destroy(s: Sys): SyscallResult {
  const vs = lookup(s, 0);
  if (typeof vs === 'number') return vs;
  if (contextsIn(s.p, s.raw(0)) > 0) return -E.EBUSY;
  vs.space.close();
  s.p.vmspaces.delete(s.raw(0));
  s.p.space.setVmspace(s.raw(0), null);
  return 0;
}

function vmmmap(s: Sys): SyscallResult {
  const vs = lookup(s, 0);
  if (typeof vs === 'number') return vs;
  const addr = s.ptr(1), len = s.ptr(2), prot = s.int(3), flags = s.int(4), fd = s.int(5), off = s.long(6);
  let file;
  if (!(flags & MAP.ANON)) {
    const e = s.p.fds.get(fd);
    if (!e) return -E.EBADF;
    file = e.file;
  }
  return guestMmap({ space: vs.space, mmapBase: 0x10000 }, addr, len, prot, flags, file, off);
}

function mcontrol(s: Sys): SyscallResult {
  const vs = lookup(s, 0);
  if (typeof vs === 'number') return vs;
  const addr = s.ptr(1), len = s.ptr(2), behav = s.int(3);
  if (behav < 0 || behav > MADV_SETMAP) return -E.EINVAL;
  if (addr + len < addr) return -E.EINVAL;
  if (behav === MADV_INVAL) {
    vs.space.inval(addr, len);
    return 0;
  }
  if (behav === MADV_SETMAP) {
    const start = addr - (addr % PAGE);
    return vs.space.setMasterPde(start, pageUp(addr + len) - start, s.raw(4)) < 0 ? -E.EINVAL : 0;
  }
  return 0;
}

function ctl(s: Sys): SyscallResult {
  const vs = lookup(s, 0);
  if (typeof vs === 'number') return vs;
  if (s.int(1) !== VMSPACE_CTL_RUN) return -E.EOPNOTSUPP;
  const r = enterVmspace(s.t, s.raw(0), vs, s.ptr(2), s.ptr(3));
  if (r < 0) return r;
  s.m.tracer?.note(s.t, `vmspace_ctl: enter 0x${s.raw(0).toString(16)} at rip 0x${s.t.get(Reg.RIP).toString(16)}`);
  return 'justreturn';
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const vmspaceHandlers = {
  vmspace_create: create,
  vmspace_destroy: destroy,
  vmspace_ctl: ctl,
  vmspace_mmap: vmmmap,
  vmspace_munmap: (s) => { const vs = lookup(s, 0); return typeof vs === 'number' ? vs : guestMunmap({ space: vs.space, mmapBase: 0 }, s.ptr(1), s.ptr(2)); },
  vmspace_mcontrol: mcontrol,
  vmspace_pread: (s) => { const vs = lookup(s, 0); return typeof vs === 'number' ? vs : -E.EINVAL; },
  vmspace_pwrite: (s) => { const vs = lookup(s, 0); return typeof vs === 'number' ? vs : -E.EINVAL; },
} satisfies Record<string, Handler>;
