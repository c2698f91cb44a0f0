// DragonFly ioctl commands vkemu serves, built the way sys/ioccom.h encodes them
// (direction, parameter length, group letter, number), and their names for traces.

const IOC_VOID = 0x20000000, IOC_OUT = 0x40000000, IOC_IN = 0x80000000;
const IOCPARM_MASK = 0x1fff;

const ioc = (dir: number, group: string, num: number, len: number): number =>
  (dir | ((len & IOCPARM_MASK) << 16) | (group.charCodeAt(0) << 8) | num) >>> 0;
const _IO = (g: string, n: number): number => ioc(IOC_VOID, g, n, 0);
const _IOR = (g: string, n: number, len: number): number => ioc(IOC_OUT, g, n, len);
const _IOW = (g: string, n: number, len: number): number => ioc(IOC_IN, g, n, len);
const _IOWR = (g: string, n: number, len: number): number => ioc(IOC_IN | IOC_OUT, g, n, len);

// Parameter sizes (vm/abi/structs.ts has the layouts): termios 44, winsize 8, int 4, ifreq 32,
// ifaliasreq 64, ifdrv 40, in6_ifreq 288, fiodname_args 16, tapinfo 8.
export const IOCTL = {
  TIOCSCTTY: _IO('t', 97),
  TIOCGETA: _IOR('t', 19, 44), TIOCSETA: _IOW('t', 20, 44), TIOCSETAW: _IOW('t', 21, 44), TIOCSETAF: _IOW('t', 22, 44),
  TIOCGWINSZ: _IOR('t', 104, 8), TIOCSWINSZ: _IOW('t', 103, 8),
  TIOCGPGRP: _IOR('t', 119, 4), TIOCSPGRP: _IOW('t', 118, 4),
  FIONREAD: _IOR('f', 127, 4), FIONBIO: _IOW('f', 126, 4), FIODTYPE: _IOR('f', 122, 4), FIODNAME: _IOW('f', 120, 16),
  TAPGIFINFO: _IOR('t', 92, 8), TAPGIFNAME: _IOR('t', 93, 32),
  SIOCSIFFLAGS: _IOW('i', 16, 32), SIOCGIFFLAGS: _IOWR('i', 17, 32), SIOCGIFMETRIC: _IOWR('i', 23, 32),
  SIOCAIFADDR: _IOW('i', 26, 64), SIOCGIFCAP: _IOWR('i', 31, 32), SIOCGIFINDEX: _IOWR('i', 32, 32),
  SIOCGIFADDR: _IOWR('i', 33, 32), SIOCGIFMTU: _IOWR('i', 51, 32), SIOCSDRVSPEC: _IOW('i', 123, 40),
  SIOCGIFAFLAG_IN6: _IOWR('i', 73, 288), SIOCGIFALIFETIME_IN6: _IOWR('i', 81, 288),
} as const;

const NAMES = new Map<number, string>();
for (const [name, cmd] of Object.entries(IOCTL)) if (!NAMES.has(cmd)) NAMES.set(cmd, name);

/** A command's name, or its encoding spelled out (`_IOWR('i', 56, 48)`) when vkemu does not know it. */
export function ioctlName(cmd: number): string {
  const c = cmd >>> 0;
  const known = NAMES.get(c);
  if (known) return known;
  const dir = c & (IOC_VOID | IOC_OUT | IOC_IN);
  const macro = dir === IOC_VOID ? '_IO' : dir === IOC_OUT ? '_IOR' : dir === IOC_IN ? '_IOW' : dir === (IOC_IN | IOC_OUT) ? '_IOWR' : undefined;
  const group = (c >>> 8) & 0xff;
  if (!macro || group < 0x20 || group > 0x7e) return `0x${c.toString(16)}`;
  const len = (c >>> 16) & IOCPARM_MASK;
  return `${macro}('${String.fromCharCode(group)}', ${c & 0xff}${macro === '_IO' ? '' : `, ${len}`})`;
}
