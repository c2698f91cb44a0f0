// DragonFly <-> Linux termios translation (vkernel-host-abi.md §6.4, §7.6).
// DragonFly struct termios: 4 u32 flag words, c_cc[20], ispeed, ospeed (44 bytes).
// Linux struct termios (TCGETS): 4 u32 flag words, c_line, c_cc[19] (36 bytes + padding).

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
export const DF_TERMIOS_SIZE = 44;

export function linuxToDf(lx: Buffer): Buffer {
  const df = Buffer.alloc(DF_TERMIOS_SIZE);
  df.writeUInt32LE(mapBits(lx.readUInt32LE(0), IFLAG, false), 0);
  df.writeUInt32LE(mapBits(lx.readUInt32LE(4), OFLAG, false), 4);
  const lc = lx.readUInt32LE(8);
  df.writeUInt32LE((mapBits(lc, CFLAG, false) | (((lc & CSIZE_LINUX) >> 4) << 8)) >>> 0, 8);
  df.writeUInt32LE(mapBits(lx.readUInt32LE(12), LFLAG, false), 12);
  df.fill(0xff, 16, 36);
  for (const [d, l] of CC) df[16 + d] = lx[17 + l];
  const code = lc & 0o10017;
  const baud = SPEEDS.find(([, c]) => c === code)?.[0] ?? 38400;
  df.writeUInt32LE(baud, 36);
  df.writeUInt32LE(baud, 40);
  return df;
}

export function dfToLinux(df: Buffer, base: Buffer): Buffer {
  const lx = Buffer.from(base);
  lx.writeUInt32LE(mapBits(df.readUInt32LE(0), IFLAG, true), 0);
  lx.writeUInt32LE(mapBits(df.readUInt32LE(4), OFLAG, true), 4);
  const dc = df.readUInt32LE(8);
  const speed = SPEEDS.find(([b]) => b === df.readUInt32LE(40))?.[1] ?? (lx.readUInt32LE(8) & 0o10017);
  lx.writeUInt32LE((mapBits(dc, CFLAG, true) | (((dc & CSIZE_DF) >> 8) << 4) | speed) >>> 0, 8);
  lx.writeUInt32LE(mapBits(df.readUInt32LE(12), LFLAG, true), 12);
  for (const [d, l] of CC) lx[17 + l] = df[16 + d] === 0xff ? 0 : df[16 + d];
  return lx;
}
