// DragonFly's 64-bit disk label (sys/sys/disklabel64.h): write and parse. The layout and the values
// mkimg chooses are documented in docs/IMAGES.md; field offsets below are those of struct disklabel64.
import { randomBytes } from '../host/random.js';

// DragonFly's libkern crc32() for disklabel64 is the zlib/IEEE 802.3 CRC-32 (reflected 0xEDB88320).
// node:zlib is loaded by the first label read or written, not with every `vkemu dragonfly boot`.
const crc32 = (b: Uint8Array): number => process.getBuiltinModule('node:zlib').crc32(b);

export const DISKMAGIC64 = 0xc4464c59;
export const MAXPARTITIONS64 = 16;
export const FS_UNUSED = 0;
export const FS_BSDFFS = 7;
/** Sector size of vkd (sys/dev/virtual/vkernel/disk/vdisk.c uses DEV_BSIZE). */
export const SECTOR = 512;
/** The alignment unit and boot areas DragonFly's virgin label uses (sys/kern/subr_disklabel64.c). */
export const LABEL_ALIGN = 4096;
export const BOOT2_SIZE = 32 * 1024;
export const PARTITION_ALIGN = 1024 * 1024;

const OFF_MAGIC = 512;
const OFF_PARTITIONS = 712;
const PARTITION_SIZE = 64;
/** Bytes of the label with all 16 partition entries: what a reader must have in hand. */
export const LABEL_BYTES = OFF_PARTITIONS + PARTITION_SIZE * MAXPARTITIONS64;

export interface Partition64 {
  offset: number;
  size: number;
  fstype: number;
  typeUuid: Buffer;
  storUuid: Buffer;
}

export interface Disklabel64 {
  align: number;
  storUuid: Buffer;
  totalSize: number;
  bbase: number;
  pbase: number;
  pstop: number;
  abase: number;
  packname: string;
  partitions: Partition64[];
}

export interface ParsedLabel extends Disklabel64 {
  crc: number;
  crcOk: boolean;
}

/** A random version-4 uuid laid out as DragonFly's struct uuid (integers little-endian). */
export function randomUuid(): Buffer {
  const b = randomBytes(16);
  b.writeUInt16LE((b.readUInt16LE(6) & 0x0fff) | 0x4000, 6);
  b[8] = (b[8] & 0x3f) | 0x80;
  return b;
}

/** The label DragonFly would make for a whole disk of `totalSize` bytes, with partition a covering
 *  all allocatable space (l64_makevirginlabel arithmetic with a slice offset of 0). */
export function virginLabel(totalSize: number, packname: string, fstype = FS_BSDFFS): Disklabel64 {
  const reserved = roundUp(OFF_PARTITIONS + PARTITION_SIZE * 32, LABEL_ALIGN);
  const bbase = reserved;
  const pbase = roundUp(bbase + roundUp(BOOT2_SIZE, LABEL_ALIGN), PARTITION_ALIGN);
  const abase = totalSize - reserved;
  const pstop = abase > pbase ? Math.floor((abase - pbase) / PARTITION_ALIGN) * PARTITION_ALIGN + pbase : pbase;
  const partitions: Partition64[] = [];
  for (let i = 0; i < MAXPARTITIONS64; i++) {
    partitions.push({ offset: 0, size: 0, fstype: FS_UNUSED, typeUuid: Buffer.alloc(16), storUuid: Buffer.alloc(16) });
  }
  if (pstop > pbase) partitions[0] = { offset: pbase, size: pstop - pbase, fstype, typeUuid: Buffer.alloc(16), storUuid: randomUuid() };
  return { align: LABEL_ALIGN, storUuid: randomUuid(), totalSize, bbase, pbase, pstop, abase, packname, partitions };
}

/** The on-disk bytes 0 .. LABEL_BYTES-1 (the boot1 area stays zero), CRC filled in. */
export function writeLabel(l: Disklabel64): Buffer {
  const b = Buffer.alloc(LABEL_BYTES);
  b.writeUInt32LE(DISKMAGIC64, 512);
  b.writeUInt32LE(l.align, 520);
  b.writeUInt32LE(l.partitions.length, 524);
  l.storUuid.copy(b, 528, 0, 16);
  b.writeBigUInt64LE(BigInt(l.totalSize), 544);
  b.writeBigUInt64LE(BigInt(l.bbase), 552);
  b.writeBigUInt64LE(BigInt(l.pbase), 560);
  b.writeBigUInt64LE(BigInt(l.pstop), 568);
  b.writeBigUInt64LE(BigInt(l.abase), 576);
  b.write(l.packname.slice(0, 63), 584, 'latin1');
  if (l.partitions.length > MAXPARTITIONS64) throw new Error(`disklabel64: ${l.partitions.length} partitions (at most 16)`);
  l.partitions.forEach((p, i) => {
    const o = OFF_PARTITIONS + PARTITION_SIZE * i;
    b.writeBigUInt64LE(BigInt(p.offset), o);
    b.writeBigUInt64LE(BigInt(p.size), o + 8);
    b[o + 16] = p.fstype;
    p.typeUuid.copy(b, o + 32, 0, 16);
    p.storUuid.copy(b, o + 48, 0, 16);
  });
  b.writeUInt32LE(crc32(b.subarray(OFF_MAGIC, crcEnd(l.partitions.length))), 516);
  return b;
}

/** What the kernel checks (l64_readdisklabel): magic, partition count, CRC. Returns null when the
 *  magic is absent; throws with a reason when the label is there but unusable. */
export function parseLabel(b: Buffer): ParsedLabel | null {
  if (b.length < OFF_MAGIC + 4 || b.readUInt32LE(OFF_MAGIC) !== DISKMAGIC64) return null;
  if (b.length < LABEL_BYTES) throw new Error('disklabel64 truncated');
  const n = b.readUInt32LE(524);
  if (n > MAXPARTITIONS64) throw new Error(`disklabel64 corrupted: ${n} partitions (at most ${MAXPARTITIONS64})`);
  const crc = b.readUInt32LE(516);
  const area = Buffer.from(b.subarray(OFF_MAGIC, crcEnd(n)));
  area.writeUInt32LE(0, 4);
  const u64 = (o: number): number => Number(b.readBigUInt64LE(o));
  const partitions: Partition64[] = [];
  for (let i = 0; i < n; i++) {
    const o = OFF_PARTITIONS + PARTITION_SIZE * i;
    partitions.push({
      offset: u64(o), size: u64(o + 8), fstype: b[o + 16],
      typeUuid: Buffer.from(b.subarray(o + 32, o + 48)), storUuid: Buffer.from(b.subarray(o + 48, o + 64)),
    });
  }
  const nul = b.indexOf(0, 584);
  const packname = b.toString('latin1', 584, nul >= 584 && nul < 648 ? nul : 648);
  return {
    align: b.readUInt32LE(520), storUuid: Buffer.from(b.subarray(528, 544)), totalSize: u64(544),
    bbase: u64(552), pbase: u64(560), pstop: u64(568), abase: u64(576), packname, partitions,
    crc, crcOk: crc32(area) === crc,
  };
}

/** The CRC covers d_magic up to the end of the last counted partition entry. */
function crcEnd(npartitions: number): number {
  return OFF_PARTITIONS + PARTITION_SIZE * npartitions;
}

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}
