// DragonFly calls vkemu answers with an errno and nothing else, each with the
// reason. Where Linux cannot honour a call (mounting host file systems, tracing
// a guest, revoking host descriptors) the guest gets what DragonFly gives an
// unprivileged caller; facilities vkemu does not model answer what a DragonFly
// kernel without them answers.
import { E } from '../abi/errno.js';
import type { ArgKind, SyscallDef } from './types.js';

interface Refusal { num: number; name: string; args: ArgKind[]; errno: number; why: string }

const PRIV = 'superuser only on DragonFly; a guest gets EPERM as an unprivileged caller';
const MODULES = 'vkemu has no loadable kernel modules';
const SYSV = 'no System V IPC in vkemu (DragonFly without the SYSV options answers ENOSYS)';
const MQ = 'no POSIX message queues in vkemu';
const ACL = 'no ACLs or extended attributes on vkemu files (as UFS without them)';
const FH = 'file handles: superuser only on DragonFly (EPERM for an unprivileged caller)';

const REFUSALS: Refusal[] = [
  { num: 21, name: 'mount', args: ['str', 'path', 'hex', 'ptr'], errno: E.EPERM, why: `mounting a host file system from a guest is not possible; ${PRIV}` },
  { num: 22, name: 'unmount', args: ['path', 'hex'], errno: E.EPERM, why: `the guest's file systems are the host's; ${PRIV}` },
  { num: 26, name: 'ptrace', args: ['int', 'int', 'ptr', 'int'], errno: E.EPERM, why: 'one guest cannot trace another under vkemu (debug guests with vkemu -g and gdb)' },
  { num: 45, name: 'ktrace', args: ['path', 'int', 'int', 'int'], errno: E.ENOSYS, why: 'no ktrace (as a kernel without KTRACE); vkemu --strace traces instead' },
  { num: 51, name: 'acct', args: ['path'], errno: E.EPERM, why: PRIV },
  { num: 56, name: 'revoke', args: ['path'], errno: E.EPERM, why: "descriptors the host opened cannot be revoked from a guest; EPERM as for a file the caller does not own" },
  { num: 70, name: 'sstk', args: ['int'], errno: E.EOPNOTSUPP, why: 'not implemented by DragonFly either' },
  { num: 85, name: 'swapon', args: ['path'], errno: E.EPERM, why: PRIV },
  { num: 529, name: 'swapoff', args: ['path'], errno: E.EPERM, why: PRIV },
  { num: 122, name: 'settimeofday', args: ['ptr', 'ptr'], errno: E.EPERM, why: `the host's clock is not the guest's to set; ${PRIV}` },
  { num: 140, name: 'adjtime', args: ['ptr', 'ptr'], errno: E.EPERM, why: `the host's clock is not the guest's to set; ${PRIV}` },
  { num: 176, name: 'ntp_adjtime', args: ['ptr'], errno: E.EPERM, why: `the host's clock is not the guest's to set; ${PRIV}` },
  { num: 233, name: 'clock_settime', args: ['clock', 'ptr'], errno: E.EPERM, why: `the host's clock is not the guest's to set; ${PRIV}` },
  { num: 148, name: 'quotactl', args: ['path', 'int', 'int', 'ptr'], errno: E.EOPNOTSUPP, why: 'no disk quotas on vkemu file systems' },
  { num: 530, name: 'vquotactl', args: ['path', 'ptr'], errno: E.EOPNOTSUPP, why: 'no disk quotas on vkemu file systems' },
  { num: 155, name: 'nfssvc', args: ['int', 'ptr'], errno: E.ENOSYS, why: 'not implemented by DragonFly 5.9 either (NOIMPL)' },
  { num: 161, name: 'getfh', args: ['path', 'ptr'], errno: E.EPERM, why: FH },
  { num: 297, name: 'fhstatfs', args: ['ptr', 'ptr'], errno: E.EPERM, why: FH },
  { num: 298, name: 'fhopen', args: ['ptr', 'oflags'], errno: E.EPERM, why: FH },
  { num: 478, name: 'fhstat', args: ['ptr', 'ptr'], errno: E.EPERM, why: FH },
  { num: 502, name: 'fhstatvfs', args: ['ptr', 'ptr'], errno: E.EPERM, why: FH },
  { num: 165, name: 'sysarch', args: ['int', 'ptr'], errno: E.EINVAL, why: 'no machine-dependent operations (TLS goes through set_tls_area)' },
  { num: 205, name: 'undelete', args: ['path'], errno: E.EOPNOTSUPP, why: 'no whiteouts on vkemu file systems' },
  { num: 220, name: '__semctl', args: ['int', 'int', 'int', 'ptr'], errno: E.ENOSYS, why: SYSV },
  { num: 221, name: 'semget', args: ['int', 'int', 'int'], errno: E.ENOSYS, why: SYSV },
  { num: 222, name: 'semop', args: ['int', 'ptr', 'uint'], errno: E.ENOSYS, why: SYSV },
  { num: 224, name: 'msgctl', args: ['int', 'int', 'ptr'], errno: E.ENOSYS, why: SYSV },
  { num: 225, name: 'msgget', args: ['int', 'int'], errno: E.ENOSYS, why: SYSV },
  { num: 226, name: 'msgsnd', args: ['int', 'ptr', 'size', 'int'], errno: E.ENOSYS, why: SYSV },
  { num: 227, name: 'msgrcv', args: ['int', 'ptr', 'size', 'int', 'int'], errno: E.ENOSYS, why: SYSV },
  { num: 228, name: 'shmat', args: ['int', 'ptr', 'int'], errno: E.ENOSYS, why: SYSV },
  { num: 229, name: 'shmctl', args: ['int', 'int', 'ptr'], errno: E.ENOSYS, why: SYSV },
  { num: 230, name: 'shmdt', args: ['ptr'], errno: E.ENOSYS, why: SYSV },
  { num: 231, name: 'shmget', args: ['int', 'size', 'int'], errno: E.ENOSYS, why: SYSV },
  { num: 300, name: 'modnext', args: ['int'], errno: E.ENOENT, why: MODULES },
  { num: 301, name: 'modstat', args: ['int', 'ptr'], errno: E.ENOENT, why: MODULES },
  { num: 302, name: 'modfnext', args: ['int'], errno: E.ENOENT, why: MODULES },
  { num: 303, name: 'modfind', args: ['str'], errno: E.ENOENT, why: MODULES },
  { num: 304, name: 'kldload', args: ['path'], errno: E.EPERM, why: `${MODULES}; ${PRIV}` },
  { num: 305, name: 'kldunload', args: ['int'], errno: E.EPERM, why: `${MODULES}; ${PRIV}` },
  { num: 306, name: 'kldfind', args: ['str'], errno: E.ENOENT, why: MODULES },
  { num: 307, name: 'kldnext', args: ['int'], errno: E.ENOENT, why: MODULES },
  { num: 308, name: 'kldstat', args: ['int', 'ptr'], errno: E.ENOENT, why: MODULES },
  { num: 309, name: 'kldfirstmod', args: ['int'], errno: E.ENOENT, why: MODULES },
  { num: 337, name: 'kldsym', args: ['int', 'int', 'ptr'], errno: E.ENOENT, why: MODULES },
  ...[[314, 'aio_return'], [315, 'aio_suspend'], [316, 'aio_cancel'], [317, 'aio_error'], [318, 'aio_read'],
    [319, 'aio_write'], [320, 'lio_listio'], [359, 'aio_waitcomplete']].map(([num, name]): Refusal => (
    { num: num as number, name: name as string, args: ['ptr'], errno: E.ENOSYS, why: 'DragonFly 5.9 answers ENOSYS too (no kernel AIO)' })),
  { num: 338, name: 'jail', args: ['ptr'], errno: E.EPERM, why: PRIV },
  { num: 471, name: 'jail_attach', args: ['int'], errno: E.EPERM, why: PRIV },
  { num: 522, name: 'chroot_kernel', args: ['path'], errno: E.EPERM, why: PRIV },
  ...[[347, '__acl_get_file'], [348, '__acl_set_file'], [349, '__acl_get_fd'], [350, '__acl_set_fd'],
    [351, '__acl_delete_file'], [352, '__acl_delete_fd'], [353, '__acl_aclcheck_file'], [354, '__acl_aclcheck_fd'],
    [356, 'extattr_set_file'], [357, 'extattr_get_file'], [358, 'extattr_delete_file']].map(([num, name]): Refusal => (
    { num: num as number, name: name as string, args: ['ptr', 'int', 'ptr'], errno: E.EOPNOTSUPP, why: ACL })),
  { num: 355, name: 'extattrctl', args: ['path', 'int', 'ptr', 'int', 'ptr'], errno: E.EPERM, why: `${ACL}; ${PRIV}` },
  { num: 465, name: 'exec_sys_register', args: ['ptr'], errno: E.EPERM, why: `resident programs: ${PRIV}` },
  { num: 466, name: 'exec_sys_unregister', args: ['int'], errno: E.EPERM, why: `resident programs: ${PRIV}` },
  { num: 467, name: 'sys_checkpoint', args: ['int', 'fd', 'int', 'int'], errno: E.EPERM, why: 'process checkpoints are not modelled; EPERM as DragonFly gives while kern.ckptgroup excludes the caller' },
  { num: 468, name: 'mountctl', args: ['path', 'int', 'fd', 'ptr', 'int', 'ptr', 'int'], errno: E.EPERM, why: PRIV },
  { num: 482, name: 'extaccept', args: ['fd', 'hex', 'ptr', 'ptr'], errno: E.EOPNOTSUPP, why: "not served: DragonFly's libc and Go use accept4 (541)" },
  { num: 483, name: 'extconnect', args: ['fd', 'hex', 'ptr', 'int'], errno: E.EOPNOTSUPP, why: "not served: DragonFly's libc and Go use connect (98)" },
  ...[[510, 'mq_open'], [511, 'mq_close'], [512, 'mq_unlink'], [513, 'mq_getattr'], [514, 'mq_setattr'], [515, 'mq_notify'],
    [516, 'mq_send'], [517, 'mq_receive'], [518, 'mq_timedsend'], [519, 'mq_timedreceive']].map(([num, name]): Refusal => (
    { num: num as number, name: name as string, args: ['ptr'], errno: E.ENOSYS, why: MQ })),
  { num: 534, name: 'vmm_guest_ctl', args: ['int', 'ptr'], errno: E.EOPNOTSUPP, why: 'no hardware-virtualized (vmm) guests; virtual kernels run through vmspace_* instead' },
  { num: 535, name: 'vmm_guest_sync_addr', args: ['ptr', 'ptr'], errno: E.EOPNOTSUPP, why: 'no hardware-virtualized (vmm) guests' },
];

export const refusedSyscalls: SyscallDef[] = REFUSALS.map((r) => ({
  num: r.num, name: r.name, args: r.args, support: 'refused', errno: r.errno, note: r.why,
  fn: () => -r.errno,
}));
