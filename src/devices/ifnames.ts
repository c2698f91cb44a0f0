// Host interface names as a guest sees them: Linux's loopback "lo" is DragonFly's "lo0";
// every other name is the same on both sides.
import fs from 'node:fs';

/** The Linux name of the interface a guest calls `df`. */
export const linuxIfName = (df: string): string => (df === 'lo0' ? 'lo' : df);

/** The name a guest sees for the Linux interface `linux`. */
export const dfIfName = (linux: string): string => (linux === 'lo' ? 'lo0' : linux);

/** A file of /sys/class/net/LINUX-NAME, trimmed, or undefined when the interface (or the file) is not there. */
export function ifSysfs(linux: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/sys/class/net/${linux}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
