// Changing credentials: a guest runs with vkemu's own uid and gid, so it may
// "change" to the ids it already has; anything else is EPERM, as for an
// unprivileged DragonFly process (a root vkemu cannot change them either).
import { E } from '../abi/errno.js';
import type { Sys, SyscallResult, Handler } from './types.js';

const uid = process.getuid?.() ?? 0, gid = process.getgid?.() ?? 0;

/** Each argument is -1 (leave it) or the id the process has. */
function sameIds(s: Sys, count: number, id: number): SyscallResult {
  for (let i = 0; i < count; i++) {
    const v = s.int(i);
    if (v !== -1 && v >>> 0 !== id) return -E.EPERM;
  }
  return 0;
}

/** The handlers of this area, by call name: src/vm/syscalls/table.ts gives their numbers, arguments and support. */
export const credsHandlers = {
  seteuid: (s) => sameIds(s, 1, uid),
  setegid: (s) => sameIds(s, 1, gid),
  setreuid: (s) => sameIds(s, 2, uid),
  setregid: (s) => sameIds(s, 2, gid),
  setresuid: (s) => sameIds(s, 3, uid),
  setresgid: (s) => sameIds(s, 3, gid),
  setgroups: (s) => {
    if (uid !== 0) return -E.EPERM;
    const n = s.int(0);
    if (n < 0 || n > 16) return -E.EINVAL;
    return n === 0 || s.p.space.read(s.ptr(1), n * 4) ? 0 : -E.EFAULT;
  },
} satisfies Record<string, Handler>;
