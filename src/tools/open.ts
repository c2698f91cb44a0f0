// Recognises an image file (vkd disklabel64 + UFS1, bare UFS1, ISO 9660) and opens the file system in it.
import fs from 'node:fs';
import { describeSystemError, ToolError } from './errors.js';
import { FS_BSDFFS, LABEL_BYTES, parseLabel, type ParsedLabel, SECTOR } from './disklabel64.js';
import { ImageFile, type ImageFs } from './imagefs.js';
import { hasIsoMagic, ISO_SECTOR, Iso9660 } from './iso9660.js';
import { hasUfsMagic, SBOFF, Ufs1 } from './ufs1.js';

export interface OpenedImage {
  file: ImageFile;
  fs: ImageFs;
  label?: ParsedLabel;
  /** "vkd disklabel64, partition a (UFS1)" and the like, for messages. */
  description: string;
  close(): void;
}

export function openImage(path: string): OpenedImage {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new ToolError(describeSystemError(e) ?? `${path}: cannot open`);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new ToolError(`${path}: not a regular file`);
    const file = new ImageFile(path, fd);
    const r = recognise(file);
    return { file, ...r, close: () => fs.closeSync(fd) };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

function head(file: ImageFile, pos: number, len: number): Buffer {
  return file.size >= pos + len ? file.read(pos, len) : Buffer.alloc(0);
}

function recognise(file: ImageFile): { fs: ImageFs; label?: ParsedLabel; description: string } {
  const p = file.path;
  if (file.size === 0) throw new ToolError(`${p}: empty file, not an image`);
  let label: ParsedLabel | null;
  try {
    label = parseLabel(head(file, 0, Math.min(file.size, LABEL_BYTES)));
  } catch (e) {
    throw new ToolError(`${p}: ${(e as Error).message}`);
  }
  if (label) {
    if (!label.crcOk) throw new ToolError(`${p}: disklabel64 corrupted, bad CRC (stored 0x${label.crc.toString(16)})`);
    const a = label.partitions[0];
    if (!a || a.size === 0) throw new ToolError(`${p}: disklabel64 has no partition a`);
    if (a.offset % SECTOR || a.size % SECTOR) throw new ToolError(`${p}: partition a is not sector aligned`);
    if (a.fstype !== FS_BSDFFS) throw new ToolError(`${p}: partition a has fstype ${a.fstype}, not 4.2BSD (7)`);
    if (a.offset + a.size > file.size) {
      throw new ToolError(`${p}: truncated image: partition a ends at byte ${a.offset + a.size} but the file has ${file.size} bytes`);
    }
    return { fs: new Ufs1(file, a.offset, a.size, 'vkd0s0a'), label, description: 'vkd disklabel64, partition a, UFS1' };
  }
  if (hasIsoMagic(head(file, 16 * ISO_SECTOR, 8))) {
    return { fs: new Iso9660(file), description: 'ISO 9660' };
  }
  if (hasUfsMagic(head(file, SBOFF, 1376))) {
    return { fs: new Ufs1(file, 0, file.size, 'bare UFS1'), description: 'UFS1 without a label' };
  }
  const lead = file.read(0, Math.min(file.size, 64 * 1024));
  if (lead.every((b) => b === 0)) {
    throw new ToolError(`${p}: no disklabel64 and no file system: a blank image (label it and newfs it inside the guest)`);
  }
  if (file.size < LABEL_BYTES) throw new ToolError(`${p}: not an image (only ${file.size} bytes)`);
  throw new ToolError(`${p}: not a vkd or ISO image (no disklabel64 magic at byte 512, no CD001 at byte 32769, no UFS superblock at byte 8192)`);
}
