// The x86-64 register file as gdb sees it: the layout of g/G/p/P and the
// target description (target.xml) with the features gdb's i386/amd64 code
// looks for: org.gnu.gdb.i386.core (general, segment and x87 registers),
// .sse (xmm0-15, mxcsr) and .segments (fs_base, gs_base). x87 and SSE state
// comes from the thread's 512-byte FXSAVE image.
import { Reg } from '../cpu/engine.js';

/** Where a thread's registers live (a live thread, or a vkernel's saved ones). */
export interface RegFile {
  get(r: Reg): bigint;
  set(r: Reg, v: bigint): void;
  fpu(): Buffer;
  setFpu(img: Buffer): void;
}

type Source =
  | { kind: 'gp'; reg: Reg }
  | { kind: 'seg'; value: number }
  | { kind: 'fx'; off: number; size: number }
  | { kind: 'st'; index: number }
  | { kind: 'ftag' }
  | { kind: 'xmm'; index: number }
  | { kind: 'const'; value: bigint };

interface RegDef { name: string; bits: number; type: string; group?: string; feature: 'core' | 'sse' | 'segments' | 'linux'; src: Source }

// DragonFly's user selectors (vkernel-host-abi.md): code 0x2B, data 0x23.
const SEGS: [string, number][] = [['cs', 0x2b], ['ss', 0x23], ['ds', 0x23], ['es', 0x23], ['fs', 0x23], ['gs', 0x23]];
const GP: [string, Reg, string][] = [
  ['rax', Reg.RAX, 'int64'], ['rbx', Reg.RBX, 'int64'], ['rcx', Reg.RCX, 'int64'], ['rdx', Reg.RDX, 'int64'],
  ['rsi', Reg.RSI, 'int64'], ['rdi', Reg.RDI, 'int64'], ['rbp', Reg.RBP, 'data_ptr'], ['rsp', Reg.RSP, 'data_ptr'],
  ['r8', Reg.R8, 'int64'], ['r9', Reg.R9, 'int64'], ['r10', Reg.R10, 'int64'], ['r11', Reg.R11, 'int64'],
  ['r12', Reg.R12, 'int64'], ['r13', Reg.R13, 'int64'], ['r14', Reg.R14, 'int64'], ['r15', Reg.R15, 'int64'],
  ['rip', Reg.RIP, 'code_ptr'],
];

/** The registers in gdb's numbering (regnum = index). */
export const REGS: RegDef[] = [
  ...GP.map(([name, reg, type]): RegDef => ({ name, bits: 64, type, feature: 'core', src: { kind: 'gp', reg } })),
  { name: 'eflags', bits: 32, type: 'i386_eflags', feature: 'core', src: { kind: 'gp', reg: Reg.RFLAGS } },
  ...SEGS.map(([name, value]): RegDef => ({ name, bits: 32, type: 'int32', feature: 'core', src: { kind: 'seg', value } })),
  ...Array.from({ length: 8 }, (_, i): RegDef => ({ name: `st${i}`, bits: 80, type: 'i387_ext', feature: 'core', src: { kind: 'st', index: i } })),
  // FXSAVE offsets: fcw 0, fsw 2, (abridged tag 4), fop 6, fip 8, fcs 12, fdp 16, fds 20.
  { name: 'fctrl', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 0, size: 2 } },
  { name: 'fstat', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 2, size: 2 } },
  { name: 'ftag', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'ftag' } },
  { name: 'fiseg', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 12, size: 2 } },
  { name: 'fioff', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 8, size: 4 } },
  { name: 'foseg', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 20, size: 2 } },
  { name: 'fooff', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 16, size: 4 } },
  { name: 'fop', bits: 32, type: 'int', group: 'float', feature: 'core', src: { kind: 'fx', off: 6, size: 2 } },
  ...Array.from({ length: 16 }, (_, i): RegDef => ({ name: `xmm${i}`, bits: 128, type: 'vec128', feature: 'sse', src: { kind: 'xmm', index: i } })),
  { name: 'mxcsr', bits: 32, type: 'i386_mxcsr', group: 'vector', feature: 'sse', src: { kind: 'fx', off: 24, size: 4 } },
  { name: 'fs_base', bits: 64, type: 'int', feature: 'segments', src: { kind: 'gp', reg: Reg.FS_BASE } },
  { name: 'gs_base', bits: 64, type: 'int', feature: 'segments', src: { kind: 'gp', reg: Reg.GS_BASE } },
  // gdb has no DragonFly ABI; its amd64 shared-library support (svr4: r_debug and link_map, laid out as
  // DragonFly's rtld does) comes with its GNU/Linux ABI, which needs this feature. There is no
  // syscall-restart register here: it reads -1 and writes are ignored.
  { name: 'orig_rax', bits: 64, type: 'int', feature: 'linux', src: { kind: 'const', value: 0xffffffffffffffffn } },
];

function readLE(b: Buffer, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]);
  return v;
}

function writeLE(b: Buffer, off: number, size: number, v: bigint): void {
  for (let i = 0; i < size; i++) b[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** The full x87 tag word (2 bits per physical register) from FXSAVE's abridged one. */
function fullTag(fx: Buffer): number {
  const top = (fx.readUInt16LE(2) >> 11) & 7;
  let tag = 0;
  for (let p = 0; p < 8; p++) {
    let t = 3; // empty
    if (fx[4] & (1 << p)) {
      const st = 32 + 16 * ((p - top) & 7);
      const exp = fx.readUInt16LE(st + 8) & 0x7fff;
      const intBit = fx[st + 7] & 0x80;
      const zeroMant = fx.subarray(st, st + 8).every((x) => x === 0);
      if (exp === 0x7fff) t = 2;
      else if (exp === 0) t = zeroMant ? 1 : 2;
      else t = intBit ? 0 : 2;
    }
    tag |= t << (2 * p);
  }
  return tag;
}

/** Register d's bytes into out at off (little-endian, d.bits wide). */
function put(rf: RegFile, d: RegDef, fx: () => Buffer, out: Buffer, off: number): void {
  const src = d.src;
  switch (src.kind) {
    case 'gp':
      if (d.bits === 64) out.writeBigUInt64LE(rf.get(src.reg), off);
      else out.writeUInt32LE(Number(rf.get(src.reg) & 0xffffffffn), off);
      return;
    case 'seg': out.writeUInt32LE(src.value, off); return;
    case 'const': out.writeBigUInt64LE(src.value, off); return;
    case 'fx': out.writeUInt32LE(src.size === 2 ? fx().readUInt16LE(src.off) : fx().readUInt32LE(src.off), off); return;
    case 'ftag': out.writeUInt32LE(fullTag(fx()), off); return;
    case 'st': fx().copy(out, off, 32 + 16 * src.index, 42 + 16 * src.index); return;
    case 'xmm': fx().copy(out, off, 160 + 16 * src.index, 176 + 16 * src.index); return;
  }
}

const OFFSETS: number[] = [];
let TOTAL = 0;
for (const d of REGS) {
  OFFSETS.push(TOTAL);
  TOTAL += d.bits / 8;
}

/** All registers, hex, in regnum order (the g packet). */
export function readAll(rf: RegFile): string {
  let img: Buffer | undefined;
  const fx = (): Buffer => (img ??= rf.fpu());
  const out = Buffer.alloc(TOTAL);
  REGS.forEach((d, n) => put(rf, d, fx, out, OFFSETS[n]));
  return out.toString('hex');
}

/** One register, hex; null for an unknown number. */
export function readOne(rf: RegFile, n: number): string | null {
  const d = REGS[n];
  if (!d) return null;
  let img: Buffer | undefined;
  const out = Buffer.alloc(d.bits / 8);
  put(rf, d, () => (img ??= rf.fpu()), out, 0);
  return out.toString('hex');
}

/** Write registers from `data` starting at regnum `first`; false when malformed. */
export function write(rf: RegFile, first: number, data: Buffer): boolean {
  let off = 0;
  let img: Buffer | undefined;
  const fx = (): Buffer => (img ??= rf.fpu());
  for (let n = first; n < REGS.length && off < data.length; n++) {
    const d = REGS[n];
    const bytes = d.bits / 8;
    if (off + bytes > data.length) return false;
    const v = readLE(data, off, bytes);
    const src = d.src;
    switch (src.kind) {
      case 'gp':
        rf.set(src.reg, bytes === 4 ? (rf.get(src.reg) & ~0xffffffffn) | v : v);
        break;
      case 'seg': case 'const': break; // fixed by the host: writes are ignored, as on a real one
      case 'fx': writeLE(fx(), src.off, src.size, v); break;
      case 'ftag': {
        let abridged = 0;
        for (let p = 0; p < 8; p++) if (((Number(v) >> (2 * p)) & 3) !== 3) abridged |= 1 << p;
        fx()[4] = abridged;
        break;
      }
      case 'st': data.copy(fx(), 32 + 16 * src.index, off, off + 10); break;
      case 'xmm': data.copy(fx(), 160 + 16 * src.index, off, off + 16); break;
    }
    off += bytes;
  }
  if (img) rf.setFpu(img);
  return off === data.length;
}

const EFLAGS = [['CF', 0], ['', 1], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10],
  ['OF', 11], ['NT', 14], ['RF', 16], ['VM', 17], ['AC', 18], ['VIF', 19], ['VIP', 20], ['ID', 21]] as const;
const MXCSR = [['IE', 0], ['DE', 1], ['ZE', 2], ['OE', 3], ['UE', 4], ['PE', 5], ['DAZ', 6], ['IM', 7], ['DM', 8],
  ['ZM', 9], ['OM', 10], ['UM', 11], ['PM', 12], ['FZ', 15]] as const;

function regXml(d: RegDef, n: number): string {
  const group = d.group ? ` group="${d.group}"` : '';
  return `  <reg name="${d.name}" bitsize="${d.bits}" type="${d.type}" regnum="${n}"${group}/>`;
}

/** The target description gdb fetches with qXfer:features:read:target.xml. */
export function targetXml(): string {
  const flags = (id: string, bits: readonly (readonly [string, number])[]): string =>
    `  <flags id="${id}" size="4">\n${bits.map(([f, b]) => `    <field name="${f}" start="${b}" end="${b}"/>`).join('\n')}\n  </flags>`;
  const feature = (name: string, which: RegDef['feature'], types: string): string =>
    `<feature name="org.gnu.gdb.i386.${name}">\n${types}${REGS.map((d, n) => (d.feature === which ? regXml(d, n) + '\n' : '')).join('')}</feature>`;
  const vec = [['v4f', 'ieee_single', 4], ['v2d', 'ieee_double', 2], ['v16i8', 'int8', 16], ['v8i16', 'int16', 8],
    ['v4i32', 'int32', 4], ['v2i64', 'int64', 2]] as const;
  const sseTypes = vec.map(([id, t, c]) => `  <vector id="${id}" type="${t}" count="${c}"/>\n`).join('') +
    '  <union id="vec128">\n' +
    ['v4_float:v4f', 'v2_double:v2d', 'v16_int8:v16i8', 'v8_int16:v8i16', 'v4_int32:v4i32', 'v2_int64:v2i64', 'uint128:uint128']
      .map((f) => `    <field name="${f.split(':')[0]}" type="${f.split(':')[1]}"/>\n`).join('') +
    '  </union>\n' + flags('i386_mxcsr', MXCSR) + '\n';
  return '<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n' +
    '<architecture>i386:x86-64</architecture>\n' +
    feature('core', 'core', flags('i386_eflags', EFLAGS) + '\n') + '\n' +
    feature('sse', 'sse', sseTypes) + '\n' +
    feature('segments', 'segments', '') + '\n' +
    feature('linux', 'linux', '') + '\n</target>\n';
}
