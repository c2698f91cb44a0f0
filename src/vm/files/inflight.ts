// In-process files (pipes, FIFOs, kqueues) passed with SCM_RIGHTS. They have
// no host descriptor for the host socket to carry, so each one travels as a
// placeholder: an anonymous host file (O_TMPFILE) whose identity names the
// open file description here. The receiver's recvmsg trades the placeholder
// back for that description, so both processes share it, as on DragonFly.
// A placeholder only means something inside this vkemu.
import fs from 'node:fs';
import os from 'node:os';
import type { OpenFile } from './file.js';

const O_TMPFILE = 0o20200000; // __O_TMPFILE | O_DIRECTORY, Linux x86-64
const keyOf = (st: fs.BigIntStats): string => `${st.dev}:${st.ino}`;

/** The files on their way through sockets, one table per Machine (Kernel). */
export class InFlight {
  private readonly files = new Map<string, { file: OpenFile; hostFd: number }>();

  /** A host descriptor standing for `file` on its way through a socket, or undefined if none can be made. */
  placeholderFor(file: OpenFile): number | undefined {
    let hostFd: number;
    try {
      hostFd = fs.openSync(os.tmpdir(), O_TMPFILE | fs.constants.O_RDWR, 0o600);
    } catch {
      return undefined;
    }
    this.files.set(keyOf(fs.fstatSync(hostFd, { bigint: true })), { file: file.ref(), hostFd });
    return hostFd;
  }

  /** The open file a received host descriptor stands for (its reference passes to the caller), or undefined. */
  claim(received: number): OpenFile | undefined {
    let key: string;
    try {
      key = keyOf(fs.fstatSync(received, { bigint: true }));
    } catch {
      return undefined;
    }
    const e = this.files.get(key);
    if (!e) return undefined;
    this.files.delete(key);
    try { fs.closeSync(e.hostFd); } catch { /* already gone */ }
    return e.file;
  }
}
