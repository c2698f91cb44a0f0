// What the emulated kernel keeps besides processes and their descriptors: the
// tables system calls share across processes. One Kernel per Machine, so that
// two Machines in one Node process (tests, tools) share nothing; handlers reach
// it as `s.k`. Per-process and per-thread state stays on Process and GuestThread.
import type { HostOs } from '../host/hostos.js';
import { ConsoleStream, type Terminal } from '../devices/console.js';
import { DeviceNodes } from '../devices/nodes.js';
import { tapNode } from '../devices/tap.js';
import { AsyncSignals } from './files/async.js';
import { FifoTable } from './files/fifo.js';
import { InFlight } from './files/inflight.js';
import { KnoteRegistry } from './files/kqueue.js';
import { RecordLocks } from './files/reclocks.js';

export class Kernel {
  /** umtx_sleep's sleepers by "pid:address" (syscalls/lwp.ts). */
  readonly umtx = new Map<string, Set<(r: number) => void>>();
  /** varsym_set's variables, one table for every level (syscalls/varsym.ts). */
  readonly varsyms = new Map<string, string>();
  /** Named pipes open now (files/fifo.ts). */
  readonly fifos = new FifoTable();
  /** fcntl record locks (files/reclocks.ts). */
  readonly locks = new RecordLocks();
  /** EVFILT_SIGNAL and EVFILT_PROC knotes (files/kqueue.ts). */
  readonly knotes = new KnoteRegistry();
  /** Files with O_ASYNC (SIGIO) on (files/async.ts). */
  readonly async = new AsyncSignals();
  /** In-process files passed over host sockets with SCM_RIGHTS (files/inflight.ts). */
  readonly inflight = new InFlight();
  /** The user's terminal as the controlling tty, and the console descriptors 0, 1 and 2 on it. */
  readonly terminal: Terminal = { foreground: 0, leader: undefined };
  readonly console: readonly ConsoleStream[];
  /** Device nodes vkemu serves itself; open(2) consults them before the host's file system. */
  readonly devices = new DeviceNodes();

  constructor(host: HostOs) {
    this.console = [0, 1, 2].map((fd) => new ConsoleStream(fd, host, this.terminal));
    this.devices.register(tapNode);
  }
}
