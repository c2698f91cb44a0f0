// C structures of the DragonFly x86-64 ABI described by field name: a Struct
// knows each field's offset and type, reads a structure into an object, writes
// one from an object, and names its offsets (`Stat.off.size`) for code that
// works on a field at a time. structs.ts holds the structures themselves.

/** Integer field types (64-bit ones are bigints); u128 is a sigset_t (four 32-bit words, lowest first). */
export type Scalar = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'u128';

/** A char (or other) array read and written as bytes. */
export interface Bytes { readonly bytes: number }
export const bytes = (n: number): Bytes => ({ bytes: n });

/** A field: its offset, and a scalar type, an embedded structure or bytes. */
export type Field = readonly [offset: number, type: Scalar | Struct<Fields> | Bytes];
export interface Fields { readonly [name: string]: Field }

type ValueOf<T> = T extends 'i64' | 'u64' | 'u128' ? bigint : T extends Struct<infer G> ? Values<G> : T extends Bytes ? Buffer : number;
/** A structure's contents as an object. */
export type Values<F extends Fields> = { -readonly [K in keyof F]: ValueOf<F[K][1]> };
/** The contents of a Struct constant as an object: `Contents<typeof Stat>`. */
export type Contents<S> = S extends Struct<infer F> ? Values<F> : never;

const WIDTH: Record<Scalar, number> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, u128: 16 };
const U64 = 0xffffffffffffffffn;

type Reader = (b: Buffer, o: number) => number | bigint | object;
type Writer = (b: Buffer, v: never, o: number) => void;

const READ: Record<Scalar, Reader> = {
  i8: (b, o) => b.readInt8(o), u8: (b, o) => b.readUInt8(o),
  i16: (b, o) => b.readInt16LE(o), u16: (b, o) => b.readUInt16LE(o),
  i32: (b, o) => b.readInt32LE(o), u32: (b, o) => b.readUInt32LE(o),
  i64: (b, o) => b.readBigInt64LE(o), u64: (b, o) => b.readBigUInt64LE(o),
  u128: (b, o) => b.readBigUInt64LE(o) | (b.readBigUInt64LE(o + 8) << 64n),
};
const WRITE: Record<Scalar, (b: Buffer, v: number & bigint, o: number) => void> = {
  i8: (b, v, o) => b.writeInt8(v, o), u8: (b, v, o) => b.writeUInt8(v, o),
  i16: (b, v, o) => b.writeInt16LE(v, o), u16: (b, v, o) => b.writeUInt16LE(v, o),
  i32: (b, v, o) => b.writeInt32LE(v, o), u32: (b, v, o) => b.writeUInt32LE(v, o),
  i64: (b, v, o) => b.writeBigInt64LE(v, o), u64: (b, v, o) => b.writeBigUInt64LE(v, o),
  u128: (b, v, o) => { b.writeBigUInt64LE(v & U64, o); b.writeBigUInt64LE((v >> 64n) & U64, o + 8); },
};

interface Compiled { name: string; off: number; read: Reader; write: Writer }

export class Struct<F extends Fields> {
  /** Each field's offset, by name. */
  readonly off: { readonly [K in keyof F]: number };
  /** Each field's size in bytes, by name. */
  readonly width: { readonly [K in keyof F]: number };
  private readonly list: Compiled[];

  constructor(readonly name: string, readonly size: number, fields: F) {
    const off: Record<string, number> = {}, widths: Record<string, number> = {};
    const used: [number, number, string][] = [];
    this.list = Object.entries(fields).map(([name, [o, type]]) => {
      const width = typeof type === 'string' ? WIDTH[type] : type instanceof Struct ? type.size : type.bytes;
      if (o < 0 || o + width > size) throw new Error(`struct ${this.name}: ${name} (at ${o}, ${width} bytes) lies outside its ${size} bytes`);
      const clash = used.find(([a, w]) => o < a + w && a < o + width);
      if (clash) throw new Error(`struct ${this.name}: ${name} overlaps ${clash[2]}`);
      used.push([o, width, name]);
      off[name] = o;
      widths[name] = width;
      if (typeof type === 'string') return { name, off: o, read: READ[type], write: WRITE[type] as Writer };
      if (type instanceof Struct) {
        const inner = type;
        return { name, off: o, read: (b, at) => inner.read(b, at), write: (b, v, at) => { inner.write(b, v, at); } };
      }
      // Bytes: a copy out; a shorter value fills the start of the field.
      return {
        name, off: o, read: (b, at) => Buffer.from(b.subarray(at, at + width)),
        write: (b, v: Buffer, at) => { v.copy(b, at, 0, Math.min(v.length, width)); },
      };
    });
    this.off = off as { readonly [K in keyof F]: number };
    this.width = widths as { readonly [K in keyof F]: number };
  }

  /** Every field of the structure at b[o]. */
  read(b: Buffer, o = 0): Values<F> {
    const out: Record<string, unknown> = {};
    for (const f of this.list) out[f.name] = f.read(b, o + f.off);
    return out as Values<F>;
  }

  /** n structures in a row from b[o]. */
  readArray(b: Buffer, n: number, o = 0): Values<F>[] {
    return Array.from({ length: n }, (_, i) => this.read(b, o + i * this.size));
  }

  /** Write the fields given (the others are left as they are) into the structure at b[o]; returns b. */
  write(b: Buffer, v: Partial<Values<F>>, o = 0): Buffer {
    const rec = v as Record<string, unknown>;
    for (const f of this.list) {
      const x = rec[f.name];
      if (x !== undefined) f.write(b, x as never, o + f.off);
    }
    return b;
  }

  /** A new structure: zeroes, then the fields given. */
  encode(v: Partial<Values<F>>): Buffer {
    return this.write(Buffer.alloc(this.size), v);
  }

  /** Structures in a row. */
  encodeArray(vs: readonly Partial<Values<F>>[]): Buffer {
    const b = Buffer.alloc(vs.length * this.size);
    vs.forEach((v, i) => this.write(b, v, i * this.size));
    return b;
  }
}

/** Declare a structure: its name, sizeof, and fields as [offset, type]. */
export function struct<F extends Fields>(name: string, size: number, fields: F): Struct<F> {
  return new Struct(name, size, fields);
}
