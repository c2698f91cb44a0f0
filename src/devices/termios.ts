// DragonFly <-> Linux termios translation (vkernel-host-abi.md §6.4, §7.6).
// DragonFly's struct termios is Termios (vm/abi/structs.ts); Linux's is LinuxTermios below.

import { bytes, struct } from '../vm/abi/layout.js';
import { Termios } from '../vm/abi/structs.js';

type BitMap = [df: number, linux: number][];

const IFLAG: BitMap = [[0x1, 0o1], [0x2, 0o2], [0x4, 0o4], [0x8, 0o10], [0x10, 0o20], [0x20, 0o40],
  [0x40, 0o100], [0x80, 0o200], [0x100, 0o400], [0x200, 0o2000], [0x400, 0o10000], [0x800, 0o4000],
  [0x2000, 0o20000]];
const OFLAG: BitMap = [[0x1, 0o1], [0x2, 0o4], [0x10, 0o10], [0x20, 0o20], [0x40, 0o40]];
const CFLAG: BitMap = [[0x400, 0o100], [0x800, 0o200], [0x1000, 0o400], [0x2000, 0o1000],
  [0x4000, 0o2000], [0x8000, 0o4000]];
const LFLAG: BitMap = [[0x1, 0o4000], [0x2, 0o20], [0x4, 0o40], [0x8, 0o10], [0x10, 0o100],
  [0x20, 0o2000], [0x40, 0o1000], [0x80, 0o1], [0x100, 0o2], [0x400, 0o100000], [0x400000, 0o400],
  [0x800000, 0o10000], [0x20000000, 0o40000], [0x80000000, 0o200]];
// DragonFly c_cc index -> Linux c_cc index.
const CC: [df: number, linux: number][] = [[0, 4], [1, 11], [2, 16], [3, 2], [4, 14], [5, 3],
  [6, 12], [8, 0], [9, 1], [10, 10], [12, 8], [13, 9], [14, 15], [15, 13], [16, 6], [17, 5]];
const CSIZE_DF = 0x300, CSIZE_LINUX = 0o60;
const SPEEDS: [baud: number, code: number][] = [[0, 0], [50, 1], [75, 2], [110, 3], [134, 4], [150, 5],
  [200, 6], [300, 7], [600, 8], [1200, 9], [1800, 10], [2400, 11], [4800, 12], [9600, 13],
  [19200, 14], [38400, 15], [57600, 0o10001], [115200, 0o10002], [230400, 0o10003]];

function mapBits(v: number, map: BitMap, toLinux: boolean): number {
  let out = 0;
  for (const [df, lx] of map) if (v & (toLinux ? df : lx)) out |= toLinux ? lx : df;
  return out >>> 0;
}

export const LINUX_TERMIOS_SIZE = 60;
export const DF_TERMIOS_SIZE = Termios.size;

/** Linux's struct termios as TCGETS/TCSETS pass it (asm-generic/termbits.h): no speed fields, the speed is in c_cflag. */
const LinuxTermios = struct('linux termios', 36, {
  iflag: [0, 'u32'], oflag: [4, 'u32'], cflag: [8, 'u32'], lflag: [12, 'u32'], line: [16, 'u8'], cc: [17, bytes(19)],
});
const SPEED_MASK_LINUX = 0o10017;

export function linuxToDf(lx: Buffer): Buffer {
  const l = LinuxTermios.read(lx);
  const cc = Buffer.alloc(Termios.width.cc, 0xff);
  for (const [d, i] of CC) cc[d] = l.cc[i];
  const baud = SPEEDS.find(([, c]) => c === (l.cflag & SPEED_MASK_LINUX))?.[0] ?? 38400;
  return Termios.encode({
    iflag: mapBits(l.iflag, IFLAG, false),
    oflag: mapBits(l.oflag, OFLAG, false),
    cflag: (mapBits(l.cflag, CFLAG, false) | (((l.cflag & CSIZE_LINUX) >> 4) << 8)) >>> 0,
    lflag: mapBits(l.lflag, LFLAG, false),
    cc, ispeed: baud, ospeed: baud,
  });
}

export function dfToLinux(df: Buffer, base: Buffer): Buffer {
  const d = Termios.read(df);
  const lx = Buffer.from(base);
  const old = LinuxTermios.read(lx);
  const speed = SPEEDS.find(([b]) => b === d.ospeed)?.[1] ?? (old.cflag & SPEED_MASK_LINUX);
  const cc = Buffer.from(old.cc);
  for (const [di, li] of CC) cc[li] = d.cc[di] === 0xff ? 0 : d.cc[di];
  return LinuxTermios.write(lx, {
    iflag: mapBits(d.iflag, IFLAG, true),
    oflag: mapBits(d.oflag, OFLAG, true),
    cflag: (mapBits(d.cflag, CFLAG, true) | (((d.cflag & CSIZE_DF) >> 8) << 4) | speed) >>> 0,
    lflag: mapBits(d.lflag, LFLAG, true),
    cc,
  });
}
