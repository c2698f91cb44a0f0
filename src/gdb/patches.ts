// gdb's software breakpoints are bytes it writes into code (int3, with M/X
// packets). gdb sees every guest process as threads of one program, so a
// code write must reach every process that runs the same code at that
// address (a fork's copy), and survive an exec of the same program: a
// VKERNEL64 re-execs itself at start and then runs in a forked child, and a
// breakpoint set before it started must still hit there.
//
// "The same code" is decided by content: the bytes around the address, with
// gdb's own patches undone, are equal. An exec of another program, or a
// library at another address, keeps its bytes; a later removal of a patch
// that is not there (gdb restoring the old program's byte) is skipped.
import type { AddressSpace } from '../cpu/engine.js';

/** Bytes compared on each side of a write to decide that two spaces hold the same code. */
const CONTEXT = 16;
/** Longer writes are data patches of one process, not breakpoints. */
export const MAX_PATCH = 64;

interface Patch { orig: number; now: number }

export class CodePatches {
  /** Address -> the byte gdb replaced there and the byte it wrote. */
  private readonly bytes = new Map<number, Patch>();

  get size(): number {
    return this.bytes.size;
  }

  /** [start, start+len) of s as it was before any patch (null: unreadable). */
  private pristine(s: AddressSpace, start: number, len: number): Buffer | null {
    const b = s.read(start, len);
    if (!b) return null;
    for (let i = 0; i < len; i++) {
      const p = this.bytes.get(start + i);
      if (p && b[i] === p.now) b[i] = p.orig;
    }
    return b;
  }

  /** The code window around [addr, addr+len) in s, widest first (edges of a mapping may cut it). */
  private window(s: AddressSpace, addr: number, len: number): { start: number; bytes: Buffer } | null {
    for (const ctx of [CONTEXT, 0]) {
      const start = Math.max(0, addr - ctx);
      const bytes = this.pristine(s, start, addr - start + len + ctx);
      if (bytes) return { start, bytes };
    }
    return null;
  }

  /**
   * gdb writes `data` at addr in `writer`: the spaces to write it to (the
   * writer unless the write restores a patch it does not hold, and every
   * other space with the same code there). Records the patch.
   */
  targets(writer: AddressSpace, others: Iterable<AddressSpace>, addr: number, data: Buffer): AddressSpace[] {
    const cur = writer.read(addr, data.length);
    if (!cur) return [writer];
    const out: AddressSpace[] = [];
    // A restore of bytes that are not gdb's (the program changed under gdb): leave them.
    const stale = [...data].every((v, i) => {
      const p = this.bytes.get(addr + i);
      return p !== undefined && v === p.orig && cur[i] !== p.now;
    });
    if (!stale) out.push(writer);
    const mine = this.window(writer, addr, data.length);
    if (mine) {
      for (const s of others) {
        if (s === writer) continue;
        const theirs = this.pristine(s, mine.start, mine.bytes.length);
        if (theirs && theirs.equals(mine.bytes)) out.push(s);
      }
    }
    if (!stale) this.record(addr, cur, data);
    return out;
  }

  private record(addr: number, before: Buffer, data: Buffer): void {
    for (let i = 0; i < data.length; i++) {
      const p = this.bytes.get(addr + i);
      if (!p) {
        if (before[i] !== data[i]) this.bytes.set(addr + i, { orig: before[i], now: data[i] });
      } else if (data[i] === p.orig) {
        this.bytes.delete(addr + i);
      } else {
        p.now = data[i];
      }
    }
  }

  /**
   * A process exec'd from `old` into `now`: every patch old holds goes into
   * now where now holds the same code (the same program re-exec'd). `write`
   * writes through page protection.
   */
  carry(old: AddressSpace, now: AddressSpace, write: (s: AddressSpace, addr: number, data: Buffer) => boolean): number {
    let n = 0;
    for (const [addr, p] of this.bytes) {
      const held = old.read(addr, 1);
      if (!held || held[0] !== p.now) continue;
      const mine = this.window(old, addr, 1);
      if (!mine) continue;
      const theirs = this.pristine(now, mine.start, mine.bytes.length);
      if (!theirs || !theirs.equals(mine.bytes)) continue;
      if (write(now, addr, Buffer.of(p.now))) n++;
    }
    return n;
  }

  /** Whether gdb put an int3 at addr (and it is still there as far as gdb knows). */
  isInt3(addr: number): boolean {
    return this.bytes.get(addr)?.now === 0xcc;
  }

  /** Forget every patch (detach and kill remove them first). */
  clear(): void {
    this.bytes.clear();
  }
}
