// The end of processes and threads: exit (the zombie, its parent's SIGCHLD
// and wait4 wake-up, or an automatic reap), the orphans' new parent, and the
// end of one thread.
import { E } from './abi/errno.js';
import { SIG, signalName } from './abi/signals.js';
import { dropCwd } from './cwd.js';
import type { Machine } from './machine.js';
import { releaseFds, type Process } from './process.js';
import { postSignal } from './sigdeliver.js';
import { autoReaps } from './syscalls/forkexec.js';
import type { GuestThread } from './thread.js';

/** End p as killed by sig. */
export function killProcess(m: Machine, p: Process, sig: number): void {
  exitProcess(m, p, sig & 0x7f);
}

/** End a process with a wait status ((code << 8) or a signal number). */
export function exitProcess(m: Machine, p: Process, status: number): void {
  if (p.state !== 'running') return;
  p.state = 'zombie';
  p.status = status;
  m.kernel.knotes.procExitEvent(p.pid, status);
  p.itimers?.stop();
  m.kernel.locks.drop(p.pid);
  for (const t of p.threads.values()) endThread(m, t);
  releaseFds(p);
  for (const vs of p.vmspaces.values()) vs.space.close();
  p.vmspaces.clear();
  dropCwd(p);
  if (p.vforkOf) p.vforkOf.release();
  else if (!p.children.some((c) => c.vforkOf?.parent === p)) p.space.close();
  const parent = p.parent;
  if (parent && parent.state === 'running' && !autoReaps(parent)) {
    postSignal(m, parent, SIG.SIGCHLD);
    childEvent(m, parent);
  } else {
    if (parent) parent.children = parent.children.filter((c) => c !== p);
    m.procs.delete(p.pid);
    p.state = 'reaped';
  }
  orphan(m, p);
  if (p === m.init) {
    const sig = status & 0x7f;
    m.exitStatus = sig ? 128 + sig : (status >> 8) & 0xff;
    if (sig) m.log(`vkemu: ${p.exePath} killed by ${signalName(sig)}`);
    m.sched.wake();
  }
}

/** p's children lose their parent: the nearest reaper above p (procctl PROC_REAP_ACQUIRE) adopts them. */
function orphan(m: Machine, p: Process): void {
  let reaper = p.parent;
  while (reaper && !(reaper.reaper && reaper.state === 'running')) reaper = reaper.parent;
  for (const c of p.children) {
    c.parent = reaper;
    if (!reaper) continue;
    reaper.children.push(c);
    if (c.state === 'zombie') {
      postSignal(m, reaper, SIG.SIGCHLD);
      childEvent(m, reaper);
    }
  }
  p.children = [];
}

/** End one thread: off the run queue, its wait cancelled, extexit's store done. */
export function endThread(m: Machine, t: GuestThread): void {
  if (t.state === 'dead') return;
  if (t.state === 'blocked') t.wait?.cancel(-E.EINTR);
  t.state = 'dead';
  m.sched.dequeue(t);
  if (t.exitStore) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(t.exitStore.value, 0);
    t.proc.space.write(t.exitStore.addr, b);
  }
  t.proc.threads.delete(t.tid);
}

/** Wake parent's wait4 sleepers (a child exited, stopped or continued). */
export function childEvent(m: Machine, parent: Process): void {
  const ws = m.childWaiters.get(parent);
  if (ws) for (const w of [...ws]) w();
}
