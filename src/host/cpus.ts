// The host's CPU count, which the guest sees as hw.ncpu and its affinity masks. os.cpus() parses
// /proc/cpuinfo and /proc/stat (~1 ms each time here): asked once, when a guest first wants it.
import os from 'node:os';

let count: number | undefined;
export function hostCpus(): number {
  return (count ??= Math.min(os.cpus().length || 1, 256));
}
