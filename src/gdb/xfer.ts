// qXfer objects about the guest program: its auxiliary vector, its path and
// the shared objects its dynamic linker has loaded (r_debug's link_map list),
// so that gdb finds the program, the interpreter and libraries.
import { PS_STRINGS } from '../vm/exec.js';
import type { Process } from '../vm/process.js';

const AT_PHDR = 3, AT_PHNUM = 5;
const PT_DYNAMIC = 2, PT_PHDR = 6;
const DT_NULL = 0, DT_DEBUG = 21;

function u64(p: Process, addr: number): number | null {
  const b = p.space.read(addr, 8);
  if (!b) return null;
  const v = b.readBigUInt64LE(0);
  return v < 1n << 53n ? Number(v) : null;
}

/** The auxv the process started with, as raw 16-byte pairs ending with AT_NULL. */
export function auxv(p: Process): Buffer {
  // PS_STRINGS names envp; the vector follows its terminating NULL.
  const envp = u64(p, PS_STRINGS + 16);
  const ps = p.space.read(PS_STRINGS + 24, 4);
  if (envp === null || !ps) return Buffer.alloc(0);
  const envc = ps.readUInt32LE(0);
  const start = envp + (envc + 1) * 8;
  const out: Buffer[] = [];
  for (let i = 0; i < 64; i++) {
    const pair = p.space.read(start + i * 16, 16);
    if (!pair) break;
    out.push(pair);
    if (pair.readBigUInt64LE(0) === 0n) break;
  }
  return Buffer.concat(out);
}

function auxValue(v: Buffer, type: number): number | undefined {
  for (let off = 0; off + 16 <= v.length; off += 16) {
    if (Number(v.readBigUInt64LE(off)) === type) return Number(v.readBigUInt64LE(off + 8));
  }
  return undefined;
}

const xmlAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The r_debug address from the program's DT_DEBUG, once its dynamic linker has set it. */
function rDebug(p: Process): number | undefined {
  const v = auxv(p);
  const phdr = auxValue(v, AT_PHDR), phnum = auxValue(v, AT_PHNUM);
  if (!phdr || !phnum || phnum > 64) return undefined;
  const ph = p.space.read(phdr, phnum * 56);
  if (!ph) return undefined;
  let bias = 0, dyn = -1;
  for (let i = 0; i < phnum; i++) {
    const type = ph.readUInt32LE(i * 56);
    const vaddr = Number(ph.readBigUInt64LE(i * 56 + 16));
    if (type === PT_PHDR) bias = phdr - vaddr;
    if (type === PT_DYNAMIC) dyn = vaddr;
  }
  if (dyn < 0) return undefined;
  for (let at = dyn + bias, i = 0; i < 512; i++, at += 16) {
    const tag = u64(p, at);
    if (tag === null || tag === DT_NULL) return undefined;
    if (tag === DT_DEBUG) return u64(p, at + 8) || undefined;
  }
  return undefined;
}

/** One entry of the rtld's link_map list (the program's own first entry excluded). */
export interface LoadedObject { lm: number; name: string; lAddr: number; lLd: number }

/** The objects the program's dynamic linker has loaded, from r_debug's link_map list; [] before it has. */
export function loadedObjects(p: Process): { main: number; objs: LoadedObject[] } | undefined {
  const rd = rDebug(p);
  const map = rd ? u64(p, rd + 8) : null;
  if (!map) return undefined;
  const objs: LoadedObject[] = [];
  let lm = u64(p, map + 24);
  for (let i = 0; lm && i < 1024; i++) {
    const lAddr = u64(p, lm), lName = u64(p, lm + 8), lLd = u64(p, lm + 16);
    const name = lName ? p.space.readCString(lName, 4096) : null;
    if (lAddr !== null && lLd !== null && name) objs.push({ lm, name: name.toString('latin1'), lAddr, lLd });
    lm = u64(p, lm + 24);
  }
  return { main: map, objs };
}

/**
 * library-list-svr4: the link_map entries after the program's own. Names
 * stay guest paths: gdb opens them under its sysroot (the -L root), or
 * through vFile, which resolves them under -L like the guest's opens.
 */
export function librariesSvr4(p: Process): string {
  const l = loadedObjects(p);
  if (!l) return '<library-list-svr4 version="1.0"/>\n';
  const libs = l.objs.map((o) =>
    `  <library name="${xmlAttr(o.name)}" lm="0x${o.lm.toString(16)}" l_addr="0x${o.lAddr.toString(16)}" l_ld="0x${o.lLd.toString(16)}" lmid="0x0"/>\n`);
  return `<library-list-svr4 version="1.0" main-lm="0x${l.main.toString(16)}">\n${libs.join('')}</library-list-svr4>\n`;
}

/** A window of an object for qXfer: 'm' + data when more follows, 'l' + data at the end. */
export function xferSlice(data: Buffer, offset: number, length: number): Buffer {
  const part = data.subarray(offset, offset + length);
  return Buffer.concat([Buffer.from(offset + length < data.length ? 'm' : 'l'), part]);
}
