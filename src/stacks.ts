// Stack traces that name the TypeScript sources when vkemu runs from its bundle (dist/bundle,
// made by scripts/bundle.mjs with a source map beside each file). Node's own --enable-source-maps
// reads and parses the maps when the bundle loads: 15-25 ms of CPU on every start-up here, for
// stacks that are almost never printed. Here a map is read the first time a stack that passes
// through its file is formatted (an internal error), and not at all otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { SourceMap } from 'node:module';

const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let m = maps.get(file);
  if (m === undefined) {
    m = null;
    try {
      if (file.endsWith('.cjs') || file.endsWith('.js')) m = new SourceMap(JSON.parse(fs.readFileSync(file + '.map', 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch { /* no map (vitest runs the sources themselves): the frame stays as it is */ }
    maps.set(file, m);
  }
  return m;
}

/** One frame as V8 writes it, with the bundle's file:line:column replaced by the source's. */
function frame(f: NodeJS.CallSite): string {
  const text = f.toString();
  const file = f.getFileName(), line = f.getLineNumber(), col = f.getColumnNumber();
  if (!file || line === null || col === null) return text;
  const m = mapOf(file);
  if (!m) return text;
  const e = m.findEntry(line - 1, col - 1);
  if (!('originalSource' in e)) return text;
  const where = `${path.resolve(path.dirname(file), e.originalSource)}:${e.originalLine + 1}:${e.originalColumn + 1}`;
  const at = `${file}:${line}:${col}`;
  return text.includes(at) ? text.replace(at, where) : text;
}

/** Formats every stack through the source maps, when this file has one (the bundle, tsc's dist/). */
export function mapStacks(): void {
  if (!fs.existsSync(import.meta.filename + '.map')) return;
  Error.prepareStackTrace = (err: Error, frames: NodeJS.CallSite[]): string => {
    let head: string;
    try {
      head = Error.prototype.toString.call(err);
    } catch {
      head = '<error>';
    }
    return head + frames.map((f) => `\n    at ${frame(f)}`).join('');
  };
}
