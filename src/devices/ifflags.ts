// Interface flags, DragonFly (sys/net/if.h) <-> Linux (linux/if.h). Only the
// bits both systems define are translated; the others read as 0 and are
// left as they are when setting.

/** [DragonFly bit, Linux bit] for each flag both have. */
const PAIRS: readonly [number, number][] = [
  [0x1, 0x1], // UP
  [0x2, 0x2], // BROADCAST
  [0x4, 0x4], // DEBUG
  [0x8, 0x8], // LOOPBACK
  [0x10, 0x10], // POINTOPOINT
  [0x40, 0x40], // RUNNING
  [0x80, 0x80], // NOARP
  [0x100, 0x100], // PROMISC
  [0x200, 0x200], // ALLMULTI
  [0x8000, 0x1000], // MULTICAST
];
const LINUX_MAPPED = PAIRS.reduce((a, [, l]) => a | l, 0);

/** Linux flags -> DragonFly flags. */
export function dfIfFlags(linux: number): number {
  let df = 0;
  for (const [d, l] of PAIRS) if (linux & l) df |= d;
  return df;
}

/** DragonFly flags applied over the interface's current Linux flags (Linux-only bits kept). */
export function linuxIfFlags(df: number, currentLinux: number): number {
  let l = currentLinux & ~LINUX_MAPPED & 0xffff;
  for (const [d, lb] of PAIRS) if (df & d) l |= lb;
  return l;
}
