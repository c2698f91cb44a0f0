// Variant symlink variables (varsym_set/get/list): libc's uname() asks for
// overrides of the system names, and scripts may set their own. One table for
// the whole guest (DragonFly keeps system, user and process levels apart),
// kept by the Machine (Kernel.varsyms).
import { E } from '../abi/errno.js';
import { cstring } from './util.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const MAXVARSYM_NAME = 64, MAXVARSYM_DATA = 256;

function set(s: Sys): SyscallResult {
  const name = cstring(s, s.ptr(1), MAXVARSYM_NAME);
  if (typeof name === 'number') return name;
  if (!s.ptr(2)) return s.k.varsyms.delete(name) ? 0 : -E.ENOENT;
  const data = cstring(s, s.ptr(2), MAXVARSYM_DATA);
  if (typeof data === 'number') return data;
  s.k.varsyms.set(name, data);
  return 0;
}

/** The value's length + 1; the value itself when it fits in bufsize, else "" (DragonFly's rules). */
function get(s: Sys): SyscallResult {
  const name = cstring(s, s.ptr(1), MAXVARSYM_NAME);
  if (typeof name === 'number') return name;
  const v = s.k.varsyms.get(name);
  if (v === undefined) return -E.ENOENT;
  const data = Buffer.from(v + '\0');
  const room = s.int(3);
  if (room > 0 && !s.p.space.write(s.ptr(2), room >= data.length ? data : Buffer.alloc(1))) return -E.EFAULT;
  return data.length;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const varsymHandlers = {
  varsym_set: set,
  varsym_get: get,
  varsym_list: (s) => (s.ptr(3) && !s.p.space.read(s.ptr(3), 4) ? -E.EFAULT : 0),
  reboot: () => -E.EPERM,
} satisfies Record<string, Handler>;
