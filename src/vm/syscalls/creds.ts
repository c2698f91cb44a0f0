// Changing credentials: a guest runs with vkemu's own uid and gid, so it may
// "change" to the ids it already has; anything else is EPERM, as for an
// unprivileged DragonFly process (a root vkemu cannot change them either).
import { E } from '../abi/errno.js';
import type { Sys, SyscallDef, SyscallResult } from './types.js';

const uid = process.getuid?.() ?? 0, gid = process.getgid?.() ?? 0;

/** Each argument is -1 (leave it) or the id the process has. */
function sameIds(s: Sys, count: number, id: number): SyscallResult {
  for (let i = 0; i < count; i++) {
    const v = s.int(i);
    if (v !== -1 && v >>> 0 !== id) return -E.EPERM;
  }
  return 0;
}

export const credsSyscalls: SyscallDef[] = [
  { num: 183, name: 'seteuid', args: ['int'], support: 'partial', note: "only to vkemu's own uid; others EPERM", fn: (s) => sameIds(s, 1, uid) },
  { num: 182, name: 'setegid', args: ['int'], support: 'partial', note: "only to vkemu's own gid; others EPERM", fn: (s) => sameIds(s, 1, gid) },
  { num: 126, name: 'setreuid', args: ['int', 'int'], support: 'partial', note: 'as seteuid', fn: (s) => sameIds(s, 2, uid) },
  { num: 127, name: 'setregid', args: ['int', 'int'], support: 'partial', note: 'as setegid', fn: (s) => sameIds(s, 2, gid) },
  { num: 311, name: 'setresuid', args: ['int', 'int', 'int'], support: 'partial', note: 'as seteuid', fn: (s) => sameIds(s, 3, uid) },
  { num: 312, name: 'setresgid', args: ['int', 'int', 'int'], support: 'partial', note: 'as setegid', fn: (s) => sameIds(s, 3, gid) },
  {
    num: 80, name: 'setgroups', args: ['int', 'ptr'], support: 'partial', note: 'EPERM (superuser only); a root vkemu accepts the list without effect',
    fn: (s) => {
      if (uid !== 0) return -E.EPERM;
      const n = s.int(0);
      if (n < 0 || n > 16) return -E.EINVAL;
      return n === 0 || s.p.space.read(s.ptr(1), n * 4) ? 0 : -E.EFAULT;
    },
  },
];
