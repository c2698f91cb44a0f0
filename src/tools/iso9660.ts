// A read-only ISO 9660 reader with Rock Ridge (SUSP entries NM, PX, SL, TF, CE). Our own rather than
// xorriso's -osirrox: no external process per file, exact control over errors, and it reads the plain
// ISO 9660 tree the same way vkmini's vcd driver must when Rock Ridge is absent (docs/IMAGES.md).
import { ToolError } from './errors.js';
import { type Entry, type ImageFile, type ImageFs, S_IFDIR, S_IFLNK, S_IFREG } from './imagefs.js';

export const ISO_SECTOR = 2048;
const PVD_SECTOR = 16;

interface IsoNode {
  extents: Array<{ lba: number; len: number }>;
  isDir: boolean;
}

interface Susp {
  name?: string;
  mode?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  symlink?: string;
  relocated?: boolean;
  childLink?: number;
}

/** True when sector 16 is an ISO 9660 volume descriptor. */
export function hasIsoMagic(sector16: Buffer): boolean {
  return sector16.length >= 6 && sector16.toString('latin1', 1, 6) === 'CD001';
}

export class Iso9660 implements ImageFs {
  readonly format = 'ISO 9660';
  readonly volumeId: string;
  /** Bytes to skip at the start of each record's system use area (SUSP "SP" entry), or -1 for no SUSP. */
  private suspSkip = -1;
  private readonly nodes: IsoNode[] = [];
  private readonly rootEntry: Entry;

  constructor(private readonly img: ImageFile) {
    let pvd: Buffer | undefined;
    for (let s = PVD_SECTOR; s < PVD_SECTOR + 32; s++) {
      const d = img.read(s * ISO_SECTOR, ISO_SECTOR);
      if (!hasIsoMagic(d)) throw new ToolError(`${img.path}: not an ISO 9660 image (no CD001 in sector ${s})`);
      if (d[0] === 1) { pvd = d; break; }
      if (d[0] === 255) break;
    }
    if (!pvd) throw new ToolError(`${img.path}: ISO 9660 image without a primary volume descriptor`);
    const blockSize = pvd.readUInt16LE(128);
    if (blockSize !== ISO_SECTOR) throw new ToolError(`${img.path}: ISO 9660 logical block size ${blockSize} (only 2048 is read)`);
    this.volumeId = pvd.toString('latin1', 40, 72).trimEnd();
    const rootRec = pvd.subarray(156, 156 + 34);
    // The root's "." record tells whether SUSP (and so Rock Ridge) is in use.
    const rootLba = rootRec.readUInt32LE(2);
    const first = img.read(rootLba * ISO_SECTOR, ISO_SECTOR);
    const su = this.systemUse(first, 0);
    if (su.length >= 7 && su.toString('latin1', 0, 2) === 'SP' && su[4] === 0xbe && su[5] === 0xef) this.suspSkip = su[6];
    this.rootEntry = this.record(first, 0, '/');
  }

  root(): Entry {
    return this.rootEntry;
  }

  readdir(dir: Entry): Entry[] {
    const node = this.node(dir);
    if (!node.isDir) throw new ToolError(`${this.img.path}: ${dir.name} is not a directory`);
    const out: Entry[] = [];
    let continues = false;
    for (const ext of node.extents) {
      for (let off = 0; off < ext.len; off += ISO_SECTOR) {
        const sec = this.img.read((ext.lba * ISO_SECTOR) + off, ISO_SECTOR);
        let o = 0;
        while (o < ISO_SECTOR && off + o < ext.len) {
          const len = sec[o];
          if (len === 0) break; // records never cross a sector; the rest is padding
          if (len < 34 || o + len > ISO_SECTOR) throw new ToolError(`${this.img.path}: corrupt directory record at byte ${ext.lba * ISO_SECTOR + off + o}`);
          const nameLen = sec[o + 32];
          const special = nameLen === 1 && (sec[o + 33] === 0 || sec[o + 33] === 1);
          if (!special) {
            const e = this.record(sec, o);
            if (continues) {
              // A file of several extents (>= 4 GiB): this record goes on from the previous one.
              const prev = out[out.length - 1];
              this.nodes[prev.id].extents.push(...this.nodes[e.id].extents);
              prev.size += e.size;
            } else {
              out.push(e);
            }
            continues = (sec[o + 25] & 0x80) !== 0;
          }
          o += len;
        }
      }
    }
    return out.filter((e) => e.name !== '');
  }

  readlink(link: Entry): string {
    const t = this.links.get(link.id);
    if (t === undefined) throw new ToolError(`${this.img.path}: ${link.name} is not a symbolic link`);
    return t;
  }

  *chunks(file: Entry): Iterable<Buffer> {
    const CH = 1024 * 1024;
    for (const ext of this.node(file).extents) {
      for (let o = 0; o < ext.len; o += CH) yield this.img.read(ext.lba * ISO_SECTOR + o, Math.min(CH, ext.len - o));
    }
  }

  private readonly links = new Map<number, string>();

  private node(e: Entry): IsoNode {
    const n = this.nodes[e.id];
    if (!n) throw new ToolError(`${this.img.path}: bad entry ${e.name}`);
    return n;
  }

  private systemUse(sec: Buffer, o: number): Buffer {
    const len = sec[o];
    const nameLen = sec[o + 32];
    const start = o + 33 + nameLen + (nameLen % 2 === 0 ? 1 : 0);
    return sec.subarray(start, o + len);
  }

  /** One directory record -> Entry (Rock Ridge data preferred over the plain fields). */
  private record(sec: Buffer, o: number, forceName?: string): Entry {
    const lba = sec.readUInt32LE(o + 2);
    const len = sec.readUInt32LE(o + 10);
    const flags = sec[o + 25];
    const isDir = (flags & 2) !== 0;
    const rr = this.suspSkip >= 0 ? this.parseSusp(this.systemUse(sec, o).subarray(this.suspSkip)) : {};
    let extLba = lba;
    if (rr.childLink !== undefined) extLba = rr.childLink; // a relocated deep directory (CL entry)
    const plain = sec.toString('latin1', o + 33, o + 33 + sec[o + 32]).replace(/;\d+$/, '').replace(/\.$/, '');
    const id = this.nodes.length;
    const dir = isDir || rr.childLink !== undefined;
    this.nodes.push({ extents: [{ lba: extLba, len }], isDir: dir });
    let mode = rr.mode ?? (dir ? S_IFDIR | 0o555 : S_IFREG | 0o444);
    if (rr.symlink !== undefined) {
      this.links.set(id, rr.symlink);
      mode = (mode & 0o7777) | S_IFLNK;
    }
    const name = forceName ?? (rr.relocated ? '' : rr.name ?? plain);
    return {
      name, id, mode, nlink: rr.nlink ?? 1, uid: rr.uid ?? 0, gid: rr.gid ?? 0,
      size: rr.symlink !== undefined ? Buffer.byteLength(rr.symlink) : len,
      mtime: rr.mtime ?? dirDate(sec, o + 18),
    };
  }

  /** SUSP entries of one record, following CE continuation areas. */
  private parseSusp(area: Buffer): Susp {
    const r: Susp = {};
    let name = '';
    const sl = { comps: [] as string[], cont: false, root: false };
    let nameSeen = false;
    for (let guard = 0; guard < 16 && area.length > 0; guard++) {
      let next: Buffer | undefined;
      for (let o = 0; o + 4 <= area.length;) {
        const sig = area.toString('latin1', o, o + 2);
        const len = area[o + 2];
        if (len < 4 || o + len > area.length) break;
        const d = area.subarray(o + 4, o + len);
        switch (sig) {
          case 'CE': next = this.img.read(d.readUInt32LE(0) * ISO_SECTOR + d.readUInt32LE(8), d.readUInt32LE(16)); break;
          case 'NM':
            if ((d[0] & 6) === 0) { name += d.toString('utf8', 1); nameSeen = true; }
            break;
          case 'PX':
            r.mode = d.readUInt32LE(0); r.nlink = d.readUInt32LE(8); r.uid = d.readUInt32LE(16); r.gid = d.readUInt32LE(24);
            break;
          case 'TF': r.mtime = tfModify(d) ?? r.mtime; break;
          case 'RE': r.relocated = true; break;
          case 'CL': r.childLink = d.readUInt32LE(0); break;
          case 'SL':
            // Component records: flags (1 = continues in the next, 2 = ".", 4 = "..", 8 = root), length, bytes.
            for (let c = 1; c + 2 <= d.length;) {
              const cf = d[c];
              const cl = d[c + 1];
              const text = cf & 2 ? '.' : cf & 4 ? '..' : d.toString('utf8', c + 2, c + 2 + cl);
              if (cf & 8) sl.root = true;
              else if (sl.cont && sl.comps.length > 0) sl.comps[sl.comps.length - 1] += text;
              else sl.comps.push(text);
              sl.cont = (cf & 1) !== 0;
              c += 2 + cl;
            }
            r.symlink = (sl.root ? '/' : '') + sl.comps.join('/');
            break;
          case 'ST': o = area.length; continue;
        }
        o += len;
      }
      if (!next) break;
      area = next;
    }
    if (nameSeen) r.name = name;
    return r;
  }
}

/** The 7-byte directory record date (years since 1900 ... GMT offset in 15-minute units). */
function dirDate(b: Buffer, o: number): number {
  const t = Date.UTC(1900 + b[o], b[o + 1] - 1, b[o + 2], b[o + 3], b[o + 4], b[o + 5]) / 1000;
  return t - (b.readInt8(o + 6) * 15 * 60);
}

/** TF entry: flags then timestamps in the order creation, modify, access...; bit 7 = 17-byte format. */
function tfModify(d: Buffer): number | undefined {
  const flags = d[0];
  if ((flags & 2) === 0) return undefined;
  const size = flags & 0x80 ? 17 : 7;
  const o = 1 + (flags & 1 ? size : 0);
  if (o + size > d.length) return undefined;
  if (size === 7) return dirDate(d, o);
  const s = d.toString('latin1', o, o + 14);
  const t = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14)) / 1000;
  return t - d.readInt8(o + 16) * 15 * 60;
}
