// Does an ELF64 file define a function of a given name? Reads only the section
// headers and the symbol tables (.symtab, else .dynsym), so a large virtual
// kernel costs a few reads. Used to tell a DragonFly virtual kernel (it has
// init_vkernel) from an ordinary program before starting it.
import fs from 'node:fs';

const SHT_SYMTAB = 2, SHT_DYNSYM = 11, STT_FUNC = 2, SYM_SIZE = 24, SHDR_SIZE = 64;

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = fs.readSync(fd, b, 0, len, pos);
  return b.subarray(0, n);
}

/** True when `path` is a little-endian ELF64 file with a function symbol `name`; false otherwise (or unreadable). */
export function hasFunction(path: string, name: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const eh = readAt(fd, 0, 64);
    if (eh.length < 64 || eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return false;
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shentsize = eh.readUInt16LE(0x3a), shnum = eh.readUInt16LE(0x3c);
    if (!shoff || shentsize !== SHDR_SIZE || shoff + shnum * SHDR_SIZE > size) return false;
    const sh = readAt(fd, shoff, shnum * SHDR_SIZE);
    const want = Buffer.from(name + '\0', 'latin1');
    for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
      for (let i = 0; i < shnum; i++) {
        const h = sh.subarray(i * SHDR_SIZE, (i + 1) * SHDR_SIZE);
        if (h.readUInt32LE(4) !== type) continue;
        const off = Number(h.readBigUInt64LE(0x18)), len = Number(h.readBigUInt64LE(0x20));
        const link = h.readUInt32LE(0x28);
        if (link >= shnum || off + len > size) continue;
        const sh2 = sh.subarray(link * SHDR_SIZE, (link + 1) * SHDR_SIZE);
        const stroff = Number(sh2.readBigUInt64LE(0x18)), strlen = Number(sh2.readBigUInt64LE(0x20));
        if (stroff + strlen > size) continue;
        const syms = readAt(fd, off, len), strs = readAt(fd, stroff, strlen);
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
