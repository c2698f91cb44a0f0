// The working directory of a guest process. It is a host path string; a
// directory deeper than the host's PATH_MAX (4096) cannot be named that way,
// so while the string is that long the process also holds an O_PATH
// descriptor of it, and relative paths resolve through /proc/self/fd.
import fs from 'node:fs';
import path from 'node:path';
import type { Process } from './process.js';

/** Beyond this length (with room for a relative name) the cwd is used through its descriptor. */
const LONG_PATH = 3000;
const O_PATH = 0o10000000, O_DIRECTORY = 0o200000;

/** The host path of `guest` relative to p's cwd. */
export function relativeToCwd(p: Process, guest: string): string {
  if (p.cwdFd !== undefined) return `/proc/self/fd/${p.cwdFd}/${guest}`;
  return keepSlash(guest, path.resolve(p.cwd, guest));
}

/** path.resolve drops a trailing slash, which means "must be a directory": keep it for the host call. */
export function keepSlash(guest: string, host: string): string {
  return guest.endsWith('/') && !host.endsWith('/') ? host + '/' : host;
}

/** Make `logical` (a host path string) p's cwd; `via` names the same directory in a form the host can open. */
export function setCwd(p: Process, logical: string, via: string): void {
  // Opened before the old descriptor goes: `via` may lead through it.
  const fd = logical.length > LONG_PATH ? fs.openSync(via, O_PATH | O_DIRECTORY) : undefined;
  dropCwd(p);
  p.cwd = logical;
  p.cwdFd = fd;
}

/** A forked child gets its own hold on the parent's cwd. */
export function inheritCwd(child: Process, parent: Process): void {
  if (parent.cwdFd !== undefined) child.cwdFd = fs.openSync(`/proc/self/fd/${parent.cwdFd}`, O_PATH | O_DIRECTORY);
}

export function dropCwd(p: Process): void {
  if (p.cwdFd === undefined) return;
  try { fs.closeSync(p.cwdFd); } catch { /* already gone */ }
  p.cwdFd = undefined;
}
