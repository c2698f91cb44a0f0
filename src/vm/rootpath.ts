// Guest paths under a guest root (`-L DIR`, chroot(2)). The host kernel would resolve
// a symlink's absolute target from the host's /, so a link the guest made in the root
// (`ln -s /tmp/f /tmp/l`) or the root's own links (/etc/termcap) would lead out of it.
// vkemu therefore walks such paths itself, one component at a time, as DragonFly's
// namei does: an absolute target starts again at the root and '..' stops there. The
// host path that comes out has no symlinks left in it (except a last component the
// call does not follow), so the host's own resolution of it changes nothing.
import fs from 'node:fs';

/** DragonFly's MAXSYMLINKS: more links than this in one lookup is ELOOP. */
const MAXSYMLINKS = 32;

export interface GuestRoot {
  /** The root as a host directory (absolute, no trailing slash). */
  dir: string;
  /** `-L`: a path the root lacks is the host's own (chroot has no such fallback). */
  fallback: boolean;
}

/** Where a relative walk starts: a host path naming the directory, and how deep under the root it lies. */
export interface WalkStart {
  /** The directory as the host reaches it (its path, or /proc/self/fd/N for a deep one). */
  base: string;
  /** Its components below the root: how far '..' may climb before it stops at the root. */
  depth: number;
}

/** Where a walk from the host directory `dir` starts (`via`: how the host reaches it), or undefined outside the root. */
export function startAt(root: GuestRoot, dir: string, via = dir): WalkStart | undefined {
  if (dir === root.dir) return { base: via, depth: 0 };
  if (!dir.startsWith(root.dir + '/')) return undefined;
  return { base: via, depth: dir.slice(root.dir.length + 1).split('/').filter((c) => c !== '' && c !== '.').length };
}

/**
 * The host path of guest path `guest`, absolute or relative to `start`. `follow`: a
 * symlink in the last component is followed (stat, open) rather than acted on (lstat,
 * unlink, rename, symlink, mkdir).
 *
 * Walking stops at the first component that cannot be looked up, and the rest of the
 * path is handed to the host as it is, so the host reports ENOENT, ENOTDIR or EACCES
 * itself (or creates the last component). Under -L, an absolute path the root lacks
 * goes to the host: a missing directory always, a missing last component when the
 * host has it and it is not a program (otherwise it is created in the root).
 */
export function resolveInRoot(root: GuestRoot, guest: string, start?: WalkStart, follow = false): string {
  const trailing = guest.endsWith('/');
  // The walk so far: a directory the host can name (base, `depth` components under the
  // root) and the components found below it, none of them a symlink.
  let base = root.dir, depth = 0;
  if (!guest.startsWith('/') && start) ({ base, depth } = start);
  let stack: string[] = [];
  // A walk that began at the root (or was sent back to it by an absolute link): the
  // components are then the guest's own path, which -L may hand to the host.
  let fromRoot = guest.startsWith('/') || !start;
  const todo = guest.split('/').filter((c) => c !== '');
  let isDir = true;
  let links = 0;
  const host = (parts: string[]): string => (parts.length === 0 ? base : `${base}/${parts.join('/')}`);
  const rest = (parts: string[]): string => parts.join('/') + (trailing ? '/' : '');
  // What follows a component the walk stopped at: the unwalked components, or the trailing slash.
  const after = (parts: string[]): string => (parts.length > 0 ? '/' + rest(parts) : trailing ? '/' : '');
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '.' || c === '..') {
      // After a file the host must say ENOTDIR: hand it the path from here on.
      if (!isDir) return `${host(stack)}/${rest([c, ...todo])}`;
      // A last '.' or '..' stays in the name: rmdir("d/.") must fail, not remove d. At the
      // root '..' is the root itself ('.'), or the host would climb out of it.
      if (todo.length === 0) return `${host(stack)}/${c === '..' && stack.length === 0 && depth === 0 ? '.' : c}${trailing ? '/' : ''}`;
      if (c === '..') {
        if (stack.length > 0) stack.pop();
        else if (depth > 0) { base += '/..'; depth--; }
      }
      continue;
    }
    const here = `${host(stack)}/${c}`;
    const last = todo.length === 0;
    let st: fs.Stats | undefined;
    try {
      // ENOENT without an exception: a thrown one costs more than the lookup.
      st = fs.lstatSync(here, { throwIfNoEntry: false });
    } catch {
      return here + after(todo);  // ENOTDIR, EACCES, ENAMETOOLONG: the host says it again
    }
    if (st === undefined) {
      if (root.fallback && fromRoot) {
        const asGuest = '/' + rest([...stack, c, ...todo]);
        if (!last || showsThrough(asGuest)) return asGuest;
      }
      return here + after(todo);
    }
    if (st.isSymbolicLink() && (!last || follow || trailing)) {
      if (++links > MAXSYMLINKS) return here + after(todo);
      let target: string;
      try {
        target = fs.readlinkSync(here);
      } catch {
        return here + after(todo);  // gone since the lstat: the host looks again
      }
      if (target.startsWith('/')) {
        base = root.dir;
        depth = 0;
        stack = [];
        fromRoot = true;
      }
      todo.unshift(...target.split('/').filter((t) => t !== ''));
      isDir = true;
      continue;
    }
    stack.push(c);
    isDir = st.isDirectory();
  }
  return host(stack) + (trailing && stack.length > 0 ? '/' : '');
}

/**
 * Under -L, whether the host's file shows in a directory the root has but lacks it
 * (/dev/null, /tmp/x, /etc/resolv.conf). A host program does not: /bin is the root's,
 * and stat, access and execve must agree that /bin/nohup is missing when the root has
 * no nohup, or a PATH search (Go's exec.LookPath) picks the host's Linux program.
 */
function showsThrough(host: string): boolean {
  const st = fs.statSync(host, { throwIfNoEntry: false });
  return st !== undefined && !(st.isFile() && (st.mode & 0o111) !== 0);
}

/** A root directory as the host names it without symlinks (as given when it cannot be read). */
export function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}
