// Incremental builds: a stage is redone when a file it reads is newer than its stamp.
// Asking make itself is exact but costs seconds per directory; a stamp and one
// find(1) over the stage's source directories costs milliseconds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Stamp {
  /** Source directories whose files the stage reads. */
  dirs: string[];
}

export function stampFile(stampDir: string, stage: string): string {
  return path.join(stampDir, `${stage.replace(/[/ ]/g, '_')}.stamp`);
}

export function readStamp(file: string): Stamp | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Stamp;
    return Array.isArray(s.dirs) ? s : undefined;
  } catch {
    return undefined;
  }
}

export function writeStamp(file: string, stamp: Stamp): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(stamp));
}

/** True when some regular file named like `name` under `dirs` (objdirs and VCS data aside) is newer than `file`. */
export function newerThan(file: string, dirs: string[], name = '*'): boolean {
  const existing = dirs.filter((d) => fs.existsSync(d));
  if (existing.length === 0) return false;
  const r = spawnSync('find', [...existing, '(', '-name', '.git', '-o', '-name', 'obj', ')', '-prune', '-o',
    '-type', 'f', '-name', name, '-newer', file, '-print', '-quit'], { encoding: 'utf8' });
  return r.status !== 0 || r.stdout.trim() !== '';
}

/** Whether a stage must run: no stamp, or a source newer than it. */
export function stale(file: string, dirs: string[], name = '*'): boolean {
  if (!fs.existsSync(file)) return true;
  return newerThan(file, dirs, name);
}
