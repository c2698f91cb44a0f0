// The picture of bench/devices.ts: one panel per kind of figure (sequential
// MB/s, random IOPS, Mbit/s, frames/s, round trip), each a pair of horizontal
// bars per workload, vkmini under vkemu against the host doing the same, with
// the targets drawn as red dashed lines. Linear scales, values written
// on the bars, so nothing has to be read off an axis.

export interface Row {
  group: 'disk-seq' | 'disk-rand' | 'net-rate' | 'net-tcp' | 'net-fps' | 'net-lat';
  workload: string;
  unit: string;
  guest?: number;
  base?: number;
  higher: boolean;
  /** the guest should reach this fraction of the baseline */
  targetRatio?: number;
  /** the guest should reach this absolute figure */
  target?: number;
}

const TITLES: Record<Row['group'], string> = {
  'disk-seq': 'vkd / vcd sequential, 64 KiB requests (MB/s, higher is better)',
  'disk-rand': 'vkd random 4 KiB requests (IOPS, higher is better)',
  'net-rate': 'vke UDP throughput out of the guest (Mbit/s of Ethernet frames, higher is better)',
  'net-tcp': 'vke TCP throughput out of the guest, nc (Mbit/s, higher is better)',
  'net-fps': 'vke UDP frames out of the guest (frames/s, higher is better)',
  'net-lat': 'vke ICMP echo round trip, 56-byte payload (µs, lower is better)',
};

const GUEST = '#e8772e', BASE = '#8c8c8c', TARGET = '#d62728';
const W = 900, LEFT = 250, RIGHT = 110, BAR = 14, GAP = 4, GROUP_GAP = 14;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
function num(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

export function renderDevicesSvg(rows: Row[], subtitle: string, notes: string[]): string {
  const out: string[] = [];
  let y = 90;
  const baseLabel = (g: Row['group']): string => (g.startsWith('net') ? 'veth' : 'host');
  for (const group of Object.keys(TITLES) as Row['group'][]) {
    const rs = rows.filter((r) => r.group === group && (r.guest !== undefined || r.base !== undefined));
    if (!rs.length) continue;
    const top = y;
    out.push(`<text x="10" y="${y + 14}" font-size="14" font-weight="bold">${esc(TITLES[group])}</text>`);
    y += 26;
    const max = Math.max(...rs.flatMap((r) => [r.guest ?? 0, r.base ?? 0, r.target ?? 0])) * 1.05 || 1;
    const x = (v: number): number => LEFT + (v / max) * (W - LEFT - RIGHT);
    const height = rs.length * (2 * BAR + GAP + GROUP_GAP);
    out.push(`<line x1="${LEFT}" y1="${y - 4}" x2="${LEFT}" y2="${y + height - GROUP_GAP + 4}" stroke="#000"/>`);
    for (const r of rs) {
      out.push(`<text x="${LEFT - 8}" y="${y + BAR - 2}" text-anchor="end">${esc(r.workload)}</text>`);
      const bar = (v: number | undefined, color: string, dy: number, who: string): void => {
        if (v === undefined) {
          out.push(`<text x="${LEFT + 4}" y="${y + dy + BAR - 3}" fill="#999">${who}: no figure</text>`);
          return;
        }
        out.push(`<rect x="${LEFT}" y="${y + dy}" width="${Math.max(1, x(v) - LEFT).toFixed(1)}" height="${BAR}" fill="${color}"/>`);
        out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + dy + BAR - 3}">${num(v)} ${esc(r.unit)}</text>`);
      };
      bar(r.guest, GUEST, 0, 'vkmini');
      bar(r.base, BASE, BAR + GAP, baseLabel(group));
      if (r.guest !== undefined && r.base) {
        // the guest's performance as a share of the baseline's, whichever way the metric points
        const rel = r.higher ? r.guest / r.base : r.base / r.guest;
        const say = r.higher ? `vkmini at ${(rel * 100).toFixed(rel < 0.1 ? 1 : 0)}% of ${baseLabel(group)}` : `vkmini takes ${(1 / rel).toFixed(1)}x as long`;
        out.push(`<text x="${LEFT - 8}" y="${y + 2 * BAR + GAP}" text-anchor="end" fill="#555" font-size="11">${say}</text>`);
      }
      if (r.targetRatio !== undefined && r.base) {
        const tx = x(r.base * r.targetRatio).toFixed(1);
        out.push(`<line x1="${tx}" y1="${y - 3}" x2="${tx}" y2="${y + BAR + 3}" stroke="${TARGET}" stroke-width="2" stroke-dasharray="4 2"/>`);
      }
      y += 2 * BAR + GAP + GROUP_GAP;
    }
    const abs = rs.find((r) => r.target !== undefined);
    if (abs?.target !== undefined) {
      const tx = x(abs.target).toFixed(1);
      out.push(`<line x1="${tx}" y1="${top + 22}" x2="${tx}" y2="${y - GROUP_GAP + 6}" stroke="${TARGET}" stroke-width="2" stroke-dasharray="4 2"/>`);
      out.push(`<text x="${Number(tx) + 4}" y="${y - 2}" fill="${TARGET}" font-size="11">target: ${abs.target} ${esc(abs.unit)}</text>`);
      y += 12;
    }
    if (rs.some((r) => r.targetRatio !== undefined)) {
      out.push(`<text x="${LEFT + 4}" y="${y - 2}" fill="${TARGET}" font-size="11">red dashes: the issue's target, ${rs.find((r) => r.targetRatio)!.targetRatio! * 100}% of the host's figure</text>`);
      y += 12;
    }
    y += 16;
  }
  for (const n of notes) {
    out.push(`<text x="10" y="${y}" font-size="11" fill="#555">${esc(n)}</text>`);
    y += 15;
  }
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">vkemu devices: vkmini (guest) vs the host doing the same work</text>`,
    `<text x="10" y="40" fill="#555">${esc(subtitle)}</text>`,
    `<rect x="10" y="50" width="12" height="10" fill="${GUEST}"/><text x="26" y="59">vkmini under vkemu (vkd, vcd; vke on a TAP on bridge0)</text>`,
    `<rect x="10" y="66" width="12" height="10" fill="${BASE}"/><text x="26" y="75">host: the same I/O natively on the same file; the same UDP frames / pings over a veth on the same bridge</text>`,
  ];
  return [...head, ...out, '</svg>', ''].join('\n');
}
