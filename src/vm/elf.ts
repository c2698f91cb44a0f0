// ELF64 parsing for DragonFly x86-64 files: executables for exec (parseElf,
// with validation) and the symbol tables of a file on disk (hasFunction), both
// from one reading of the file header.
import fs from 'node:fs';

export const PT_LOAD = 1, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6;
export const ET_EXEC = 2, ET_DYN = 3;
export const PF_X = 1, PF_W = 2, PF_R = 4;

const ELF_MAGIC = 0x7f454c46;
const EI_CLASS = 4, EI_DATA = 5, EI_OSABI = 7, ELFCLASS64 = 2, ELFDATA2LSB = 1;
export const ELFOSABI_LINUX = 3;
const EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64, SYM_SIZE = 24;
const SHT_SYMTAB = 2, SHT_DYNSYM = 11, STT_FUNC = 2;

/** Whether data starts with the ELF magic number. */
export function isElf(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32BE(0) === ELF_MAGIC;
}

/** The OS/ABI byte of an ELF file's identification. */
export const elfOsAbi = (data: Buffer): number => data[EI_OSABI];

/** The ELF64 file header fields vkemu reads. */
interface Ehdr {
  type: number; machine: number; entry: number;
  phoff: number; phentsize: number; phnum: number;
  shoff: number; shentsize: number; shnum: number;
}

/** The header of a little-endian ELF64 file, or why data is not one. */
function readEhdr(data: Buffer): Ehdr | string {
  if (!isElf(data)) return 'not an ELF file';
  if (data.length < EHDR_SIZE) return `truncated ELF header (${data.length} bytes)`;
  if (data[EI_CLASS] !== ELFCLASS64) return 'not a 64-bit ELF file (only x86-64 programs run here)';
  if (data[EI_DATA] !== ELFDATA2LSB) return 'not little-endian';
  return {
    type: data.readUInt16LE(16), machine: data.readUInt16LE(18), entry: Number(data.readBigUInt64LE(24)),
    phoff: Number(data.readBigUInt64LE(32)), phentsize: data.readUInt16LE(54), phnum: data.readUInt16LE(56),
    shoff: Number(data.readBigUInt64LE(40)), shentsize: data.readUInt16LE(58), shnum: data.readUInt16LE(60),
  };
}

export interface Phdr {
  type: number; flags: number; offset: number; vaddr: number; filesz: number; memsz: number; align: number;
}

export interface ElfImage {
  path: string;
  data: Buffer;
  type: number;
  entry: number;
  phoff: number;
  phnum: number;
  phentsize: number;
  phdrs: Phdr[];
  interp: string | undefined;
  /** __DragonFly_version from the ABI note, if present. */
  osrel: number | undefined;
}

export class ElfError extends Error {
  constructor(readonly path: string, msg: string) {
    super(`${path}: ${msg}`);
  }
}

export function parseElf(path: string, data: Buffer): ElfImage {
  const fail = (m: string): never => { throw new ElfError(path, m); };
  if (!isElf(data) && data.subarray(0, 2).toString() === '#!') fail('is a script, not an ELF executable');
  const eh = readEhdr(data);
  if (typeof eh === 'string') return fail(eh);
  const { type, machine, entry, phoff, phentsize, phnum } = eh;
  if (machine !== 62) fail(`wrong machine ${machine} (expected 62, x86-64)`);
  if (type !== ET_EXEC && type !== ET_DYN) fail(`not an executable (e_type ${type})`);
  if (phentsize !== PHDR_SIZE) fail(`bad program header size ${phentsize}`);
  if (phnum === 0 || phnum > 256) fail(`bad program header count ${phnum}`);
  if (phoff + phnum * PHDR_SIZE > data.length) fail('truncated: program headers extend past the end of the file');
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    phdrs.push({
      type: data.readUInt32LE(o), flags: data.readUInt32LE(o + 4),
      offset: Number(data.readBigUInt64LE(o + 8)), vaddr: Number(data.readBigUInt64LE(o + 16)),
      filesz: Number(data.readBigUInt64LE(o + 32)), memsz: Number(data.readBigUInt64LE(o + 40)),
      align: Number(data.readBigUInt64LE(o + 48)),
    });
  }
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) fail('no loadable segments');
  for (const p of loads) {
    if (p.filesz > p.memsz) fail(`segment at 0x${p.vaddr.toString(16)}: file size exceeds memory size`);
    if (p.offset + p.filesz > data.length) fail(`truncated: segment at 0x${p.vaddr.toString(16)} extends past the end of the file`);
    if (p.vaddr + p.memsz > 0x7fffffe00000 || p.vaddr + p.memsz < p.vaddr) fail(`segment at 0x${p.vaddr.toString(16)} lies outside user space`);
    if ((p.vaddr - p.offset) % 4096 !== 0) fail(`segment at 0x${p.vaddr.toString(16)}: offset and address disagree modulo the page size`);
  }
  const sorted = [...loads].sort((a, b) => a.vaddr - b.vaddr);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (Math.floor(sorted[i].vaddr / 4096) < Math.ceil((prev.vaddr + prev.memsz) / 4096) &&
        Math.floor(sorted[i].vaddr / 4096) !== Math.floor((prev.vaddr + prev.memsz - 1) / 4096)) {
      fail(`overlapping segments at 0x${prev.vaddr.toString(16)} and 0x${sorted[i].vaddr.toString(16)}`);
    }
  }
  let interp: string | undefined;
  const pi = phdrs.find((p) => p.type === PT_INTERP);
  if (pi) {
    if (pi.offset + pi.filesz > data.length) fail('truncated: PT_INTERP past the end of the file');
    interp = data.subarray(pi.offset, pi.offset + pi.filesz).toString('latin1').replace(/\0.*$/s, '');
  }
  const osrel = noteOsrel(data, phdrs.filter((x) => x.type === PT_NOTE));
  return { path, data, type, entry, phoff, phnum, phentsize, phdrs, interp, osrel };
}

/** __DragonFly_version from the DragonFly ABI note among these PT_NOTE segments, if there is one. */
function noteOsrel(data: Buffer, notes: { offset: number; filesz: number }[]): number | undefined {
  let osrel: number | undefined;
  for (const p of notes) {
    let o = p.offset;
    const end = Math.min(p.offset + p.filesz, data.length);
    while (o + 12 <= end) {
      const namesz = data.readUInt32LE(o), descsz = data.readUInt32LE(o + 4), ntype = data.readUInt32LE(o + 8);
      const name = data.subarray(o + 12, o + 12 + namesz).toString('latin1').replace(/\0+$/, '');
      const desc = o + 12 + Math.ceil(namesz / 4) * 4;
      if (name === 'DragonFly' && ntype === 1 && descsz === 4 && desc + 4 <= end) osrel = data.readUInt32LE(desc);
      o = desc + Math.ceil(descsz / 4) * 4;
    }
  }
  return osrel;
}

/**
 * Whether an ELF64 file carries DragonFly's ABI note (what DragonFly's own toolchain puts in every
 * program and the kernel; Go programs have none). Reads only the headers and the notes, no checks
 * beyond staying inside data: a malformed file is simply not one.
 */
export function hasDragonflyNote(data: Buffer): boolean {
  const eh = readEhdr(data);
  if (typeof eh === 'string' || eh.phentsize !== PHDR_SIZE || eh.phnum > 256 || eh.phoff + eh.phnum * PHDR_SIZE > data.length) return false;
  const notes: { offset: number; filesz: number }[] = [];
  for (let i = 0; i < eh.phnum; i++) {
    const o = eh.phoff + i * PHDR_SIZE;
    if (data.readUInt32LE(o) === PT_NOTE) notes.push({ offset: Number(data.readBigUInt64LE(o + 8)), filesz: Number(data.readBigUInt64LE(o + 32)) });
  }
  return noteOsrel(data, notes) !== undefined;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = fs.readSync(fd, b, 0, len, pos);
  return b.subarray(0, n);
}

/**
 * True when `path` is a little-endian ELF64 file with a function symbol `name`
 * in .symtab or .dynsym; false otherwise (or unreadable). Reads only the headers
 * and the symbol tables, so a large virtual kernel costs a few reads (vkopts.ts
 * tells a virtual kernel, which has init_vkernel, from an ordinary program).
 */
export function hasFunction(path: string, name: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const eh = readEhdr(readAt(fd, 0, EHDR_SIZE));
    if (typeof eh === 'string') return false;
    const { shoff, shentsize, shnum } = eh;
    if (!shoff || shentsize !== SHDR_SIZE || shoff + shnum * SHDR_SIZE > size) return false;
    const sh = readAt(fd, shoff, shnum * SHDR_SIZE);
    // sh_type @4, sh_offset @0x18, sh_size @0x20, sh_link @0x28.
    const shdr = (i: number): { type: number; offset: number; size: number; link: number } => {
      const o = i * SHDR_SIZE;
      return { type: sh.readUInt32LE(o + 4), offset: Number(sh.readBigUInt64LE(o + 0x18)), size: Number(sh.readBigUInt64LE(o + 0x20)), link: sh.readUInt32LE(o + 0x28) };
    };
    const want = Buffer.from(name + '\0', 'latin1');
    for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
      for (let i = 0; i < shnum; i++) {
        const h = shdr(i);
        if (h.type !== type || h.link >= shnum || h.offset + h.size > size) continue;
        const str = shdr(h.link);
        if (str.offset + str.size > size) continue;
        const syms = readAt(fd, h.offset, h.size), strs = readAt(fd, str.offset, str.size);
        // st_name @0, st_info @4 (type in the low nibble).
        for (let s = 0; s + SYM_SIZE <= syms.length; s += SYM_SIZE) {
          if ((syms[s + 4] & 0xf) !== STT_FUNC) continue;
          const at = syms.readUInt32LE(s);
          if (at + want.length <= strs.length && strs.compare(want, 0, want.length, at, at + want.length) === 0) return true;
        }
      }
    }
    return false;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}
