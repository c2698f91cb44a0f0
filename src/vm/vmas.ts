// VMA bookkeeping in TypeScript: the Vmas queries (cpu/engine.ts) over a
// sorted list of regions, for a backend that keeps no VMA list of its own (the
// fake engine; KVM's memory slots would not be one). It follows the Unicorn
// backend's C++ list (native/src/space.cc) exactly: map replaces what was
// there, unmap and protect split regions and nothing is ever merged, so
// regions() reads the same on both.
import type { MapKind, Region, Vmas } from '../cpu/engine.js';
import { USER_TOP } from './memory.js';

const PAGE = 4096;
const ENOMEM = 12;

export class VmaList implements Vmas {
  private list: Region[] = [];

  /** Record [start, start+len) as one region, replacing anything there. */
  map(start: number, len: number, prot: number, kind: MapKind): void {
    this.unmap(start, len);
    const i = this.list.findIndex((r) => r.start >= start);
    this.list.splice(i < 0 ? this.list.length : i, 0, { start, end: start + len, prot, kind });
  }

  unmap(start: number, len: number): void {
    const end = start + len;
    this.splitAt(start);
    this.splitAt(end);
    this.list = this.list.filter((r) => r.end <= start || r.start >= end);
  }

  /** 0, or -ENOMEM (Linux) when part of the range is unmapped (nothing changed then). */
  protect(start: number, len: number, prot: number): number {
    const end = start + len;
    for (let a = start; a < end;) {
      const r = this.list.find((x) => x.start <= a && a < x.end);
      if (!r) return -ENOMEM;
      a = r.end;
    }
    this.splitAt(start);
    this.splitAt(end);
    for (const r of this.list) if (r.start >= start && r.end <= end) r.prot = prot;
    return 0;
  }

  findFree(hint: number, len: number, align: number, limit = USER_TOP): number {
    const al = Math.max(align, PAGE);
    const up = (a: number): number => Math.ceil(a / al) * al;
    let a = up(hint);
    for (const r of this.list) {
      if (a + len > limit) return -1;
      if (r.end <= a) continue;
      if (r.start >= a + len) return a;
      a = up(r.end);
    }
    return a + len <= limit ? a : -1;
  }

  isFree(start: number, len: number): boolean {
    return !this.list.some((r) => r.start < start + len && r.end > start);
  }

  regions(): Region[] {
    return this.list.map((r) => ({ ...r }));
  }

  /** A fork-time copy. */
  copy(): VmaList {
    const c = new VmaList();
    c.list = this.regions();
    return c;
  }

  private splitAt(addr: number): void {
    const i = this.list.findIndex((r) => r.start < addr && addr < r.end);
    if (i < 0) return;
    const r = this.list[i];
    this.list.splice(i, 1, { ...r, end: addr }, { ...r, start: addr });
  }
}
