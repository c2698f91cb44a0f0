// BSD file flags (st_flags) a guest set with the chflags family, by host inode:
// stat reports them without asking the host for inode attributes on every call.
// Attributes set on the host behind vkemu's back are not seen.
const byInode = new Map<string, number>();

const key = (dev: bigint | number, ino: bigint): string => `${dev}:${ino}`;

export function recordFlags(dev: bigint | number, ino: bigint, flags: number): void {
  if (flags) byInode.set(key(dev, ino), flags);
  else byInode.delete(key(dev, ino));
}

export function flagsOf(dev: bigint | number, ino: bigint): number {
  return byInode.size ? byInode.get(key(dev, ino)) ?? 0 : 0;
}
