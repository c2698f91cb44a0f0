// Sizes on the command line: a whole number with an optional binary unit (k, m, g, t).
import { usageError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Parses "64m", "5G", "512KiB", "1048576"; `option` names the flag in errors. */
export function parseSize(text: string, option: string): number {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!m || (m[3] && !m[2] && m[3].toLowerCase() !== 'b')) {
    throw usageError(`option ${option}: '${text}' is not a size (a number with an optional k, m, g or t suffix)`);
  }
  const n = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(n)) throw usageError(`option ${option}: '${text}' is too large`);
  if (n === 0) throw usageError(`option ${option}: the size must not be zero`);
  return n;
}

export function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

/** "64 MiB", "5.0 GiB", "1536 bytes": for messages. */
export function formatSize(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 === 0 ? 0 : 1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n % 2 ** 20 === 0 ? 0 : 1)} MiB`;
  if (n >= 2 ** 10 && n % 2 ** 10 === 0) return `${n / 2 ** 10} KiB`;
  return `${n} bytes`;
}
