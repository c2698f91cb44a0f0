// Guest paths and host paths: a guest's absolute paths resolve under its
// chroot(2) directory only, or under the -L root when the file is there (else
// on the host); relative ones from the process's working directory. Under a
// root vkemu walks the path itself (rootpath.ts), so the root's symlinks stay in it.
import fs from 'node:fs';
import path from 'node:path';
import { keepSlash, relativeToCwd } from './cwd.js';
import type { Process } from './process.js';
import { realDir, resolveInRoot, startAt, type GuestRoot } from './rootpath.js';

export class GuestPaths {
  private lRoot: GuestRoot | undefined;

  /** `root`: the -L directory, if any. */
  constructor(private readonly root: string | undefined) {}

  /** p's guest root: its chroot(2) directory, else the -L root (falling back to the host's paths). */
  guestRoot(p: Process | undefined): GuestRoot | undefined {
    if (p?.root) return { dir: p.root, fallback: false };
    if (this.root === undefined) return undefined;
    // Real path: a cwd the host hands back (process.cwd(), /proc/self/fd links) never goes through a symlink.
    this.lRoot ??= { dir: realDir(this.root), fallback: true };
    return this.lRoot;
  }

  /**
   * Guest path -> host path: under the -L root when the file exists there, under p's
   * chroot only. With a root, vkemu follows the symlinks itself (src/vm/rootpath.ts);
   * `follow` says whether a link in the last component is followed, as the call would.
   */
  resolve(p: Process | undefined, guest: string, follow = false): string {
    const root = this.guestRoot(p);
    if (guest.startsWith('/')) return root ? resolveInRoot(root, guest, undefined, follow) : guest;
    if (!p) return keepSlash(guest, path.resolve(process.cwd(), guest));
    // A cwd inside the root is walked from; one outside it (a host directory under -L) is the host's.
    const start = root && startAt(root, p.cwd, p.cwdFd !== undefined ? `/proc/self/fd/${p.cwdFd}` : p.cwd);
    return root && start ? resolveInRoot(root, guest, start, follow) : relativeToCwd(p, guest);
  }

  /**
   * A program to execute: like resolve, except that under -L a program
   * missing from a directory the root has is missing (undefined, ENOENT). A shell
   * walking PATH must go on from /bin/find to /usr/bin/find, not run the Linux
   * program of the same name.
   */
  program(p: Process | undefined, guest: string): string | undefined {
    const host = this.resolve(p, guest, true);
    const root = this.guestRoot(p);
    if (!root?.fallback || !guest.startsWith('/')) return host;
    if (host.startsWith(root.dir + '/') || !fs.existsSync(path.join(root.dir, path.dirname(guest)))) return host;
    return undefined;
  }

  /** Host path -> the guest's view of it (strips p's chroot, or the -L root). */
  guestPath(host: string, p?: Process): string {
    const r = this.guestRoot(p)?.dir;
    if (r !== undefined) {
      if (host === r) return '/';
      if (host.startsWith(r + '/')) return host.slice(r.length);
    }
    return host;
  }
}
