// Device nodes that vkemu serves itself instead of opening the host's /dev:
// a table of path patterns and the open function of each device. Consulted by
// open(2) before the host file system, so /dev/tap on a Linux host becomes a
// DragonFly tap(4) clone even though no such file exists there.
import type { FileOps } from '../vm/files/file.js';
import type { Sys } from '../vm/syscalls/types.js';

export interface DeviceNode {
  /** Matches the host path open(2) resolved (guest /dev paths stay /dev paths unless -L has the file). */
  readonly match: RegExp;
  readonly name: string;
  /** The open file, or -errno (DragonFly). */
  open(s: Sys, path: string, flags: number, m: RegExpExecArray): FileOps | number;
}

/** A Machine's device nodes (Kernel.devices), registered when the Machine is made. */
export class DeviceNodes {
  private readonly nodes: DeviceNode[] = [];

  register(node: DeviceNode): void {
    this.nodes.push(node);
  }

  /** The device serving `path`, with its match, or undefined for an ordinary host file. */
  find(path: string): [DeviceNode, RegExpExecArray] | undefined {
    for (const n of this.nodes) {
      const m = n.match.exec(path);
      if (m) return [n, m];
    }
    return undefined;
  }
}
