// kern.devname, which DragonFly's devname(3) asks first (ttyname, ps's TT column,
// tty(1)): the name under /dev of a character device, from the device number a guest
// saw in st_rdev. Guests see the host's own device numbers (Linux's encoding, cut to
// DragonFly's 32-bit dev_t), so the names are the host's: the user's terminal is
// pts/N, as it would be for a DragonFly session in a terminal window.
import fs from 'node:fs';

/** Linux's Unix98 pty slaves: majors 136–143, 256 minors each, named pts/N. */
const PTS_MAJOR = 136, PTS_MAJORS = 8;

/** The /dev name of character device `dev` (a guest st_rdev), or undefined when the host has none. */
export function deviceName(dev: number): string | undefined {
  const major = (dev >>> 8) & 0xfff, minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  if (major >= PTS_MAJOR && major < PTS_MAJOR + PTS_MAJORS) return `pts/${(major - PTS_MAJOR) * 256 + minor}`;
  try {
    // udev's name for the device: DEVNAME=null, DEVNAME=net/tun, DEVNAME=tty...
    return /^DEVNAME=(.+)$/m.exec(fs.readFileSync(`/sys/dev/char/${major}:${minor}/uevent`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
