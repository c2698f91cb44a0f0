// ELF64 parsing and validation for DragonFly x86-64 executables.
export const PT_LOAD = 1, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6;
export const ET_EXEC = 2, ET_DYN = 3;
export const PF_X = 1, PF_W = 2, PF_R = 4;

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
  if (data.length < 4 || data.readUInt32BE(0) !== 0x7f454c46) {
    if (data.subarray(0, 2).toString() === '#!') fail('is a script, not an ELF executable');
    fail('not an ELF file');
  }
  if (data.length < 64) fail(`truncated ELF header (${data.length} bytes)`);
  if (data[4] !== 2) fail('not a 64-bit ELF file (only x86-64 programs run here)');
  if (data[5] !== 1) fail('not little-endian');
  const type = data.readUInt16LE(16);
  const machine = data.readUInt16LE(18);
  if (machine !== 62) fail(`wrong machine ${machine} (expected 62, x86-64)`);
  if (type !== ET_EXEC && type !== ET_DYN) fail(`not an executable (e_type ${type})`);
  const entry = Number(data.readBigUInt64LE(24));
  const phoff = Number(data.readBigUInt64LE(32));
  const phentsize = data.readUInt16LE(54);
  const phnum = data.readUInt16LE(56);
  if (phentsize !== 56) fail(`bad program header size ${phentsize}`);
  if (phnum === 0 || phnum > 256) fail(`bad program header count ${phnum}`);
  if (phoff + phnum * 56 > data.length) fail('truncated: program headers extend past the end of the file');
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 56;
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
  let osrel: number | undefined;
  for (const p of phdrs.filter((x) => x.type === PT_NOTE)) {
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
  return { path, data, type, entry, phoff, phnum, phentsize, phdrs, interp, osrel };
}
