// What `vkemu dragonfly build` makes from a DragonFly source tree, in build order.
// Each directory is built with the tree's own Makefile (`bmake obj all install`).

/** Libraries, in link order: each may link against those before it. */
export const LIBRARIES: readonly string[] = [
  'lib/csu',
  'lib/libc',
  'lib/libc_rtld',
  'libexec/rtld-elf',
  'lib/libthread_xu',
  'lib/libpthread',
  'lib/libm',
  'lib/libutil',
  'lib/libcrypt',
  'lib/libz',
  'lib/libkvm',
  'lib/libkinfo',
  'lib/libsbuf',
  'lib/libexpat',
  'lib/libkiconv',
  'lib/libncurses/libncurses',
  'lib/libedit',
  'lib/librecrypto',
  'lib/libressl',
  'lib/libypclnt',
  'lib/libpam/libpam',
  'lib/libpam/modules',
  'lib/librt',
];

/** The small world: enough for init, rc, a login on the console, disks, CDs and the network. */
export const PROGRAMS: readonly string[] = [
  // boot and login
  'sbin/init', 'libexec/getty', 'usr.bin/login', 'bin/sh',
  // file systems
  'sbin/mount', 'sbin/mount_ufs', 'sbin/umount', 'sbin/fsck', 'sbin/newfs', 'sbin/mount_cd9660', 'sbin/mount_tmpfs',
  'sbin/mount_null', 'bin/df', 'bin/sync', 'sbin/swapon', 'sbin/disklabel64', 'sbin/ldconfig',
  // system
  'sbin/sysctl', 'sbin/dmesg', 'sbin/reboot', 'sbin/shutdown', 'bin/ps', 'bin/kill', 'bin/hostname',
  'usr.bin/uname', 'bin/date', 'usr.bin/w', 'usr.bin/id', 'usr.bin/env', 'usr.bin/time', 'usr.bin/nohup',
  // network
  'sbin/ifconfig', 'sbin/route', 'sbin/ping', 'usr.bin/nc',
  // files and text
  'bin/dd', 'bin/ls', 'bin/cat', 'bin/cp', 'bin/mv', 'bin/rm', 'bin/mkdir', 'bin/rmdir', 'bin/ln',
  'bin/chmod', 'bin/echo', 'bin/sleep', 'bin/pwd', 'bin/test', 'bin/expr', 'bin/realpath', 'bin/stty',
  'usr.bin/kenv', 'sbin/md5', 'usr.bin/true', 'usr.bin/false', 'usr.bin/find', 'usr.bin/xargs', 'usr.bin/wc',
  'usr.bin/head', 'usr.bin/tail', 'usr.bin/sed', 'usr.bin/tr', 'usr.bin/awk',
  'usr.bin/touch', 'usr.bin/basename', 'usr.bin/dirname', 'usr.bin/tee', 'usr.bin/cmp', 'usr.bin/tty',
  'usr.bin/printf', 'usr.bin/sort', 'usr.bin/uniq', 'usr.bin/cut', 'usr.bin/hexdump', 'usr.bin/stat',
  'usr.bin/which', 'usr.bin/yes', 'usr.bin/seq', 'usr.bin/mktemp', 'usr.bin/logger',
  // databases the world needs at boot (run under vkemu itself while building)
  'usr.sbin/pwd_mkdb', 'usr.bin/cap_mkdb',
];

/** The start of every DragonFly source tree: vkemu checks for these before building anything. */
export const TREE_MARKERS: readonly string[] = [
  'share/mk/sys.mk', 'share/termcap/termcap.src', 'sys/conf/newvers.sh', 'include/Makefile', 'usr.sbin/config/config.y', 'etc/mtree/BSD.root.dist',
];

/** mtree specifications of the installed hierarchy, and where each applies under the world. */
export const HIERARCHY: ReadonlyArray<readonly [spec: string, under: string]> = [
  ['etc/mtree/BSD.root.dist', ''],
  ['etc/mtree/BSD.usr.dist', '/usr'],
  ['etc/mtree/BSD.var.dist', '/var'],
  ['etc/mtree/BSD.include.dist', '/usr/include'],
];
