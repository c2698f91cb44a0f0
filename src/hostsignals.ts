// Signals sent to vkemu itself, and what the guest sees of them.
//
// What the user's terminal sends (^C, ^\, ^Z, a resize) goes to the guest's foreground process
// group, as a DragonFly tty would send it; a kill of vkemu itself (SIGTERM, SIGHUP) goes to the
// first process. When ^Z stopped the first process, vkemu stops too, so the user's shell gets the
// terminal back; `fg` (SIGCONT) continues the guest's group.
//
// A guest may ignore SIGTERM and SIGHUP (a vkernel that panicked into its db> prompt spins for
// ever), and vkemu must not outlive its user because of it: a second SIGTERM ends vkemu at once,
// and a hang-up ends it when the guest is still there HANGUP_GRACE_MS later. Either way the guest's
// disk images are flushed first and one line says what happened; the status is 128+signo, as if
// vkemu had been killed by that signal.
import { flushDiskImages } from './devices/vkdisk.js';
import type { Machine } from './vm/machine.js';

/** How long a guest has to act on a hang-up (a vkernel syncing its disks) before vkemu ends. */
export const HANGUP_GRACE_MS = 2000;

const TERMINAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGQUIT: 3, SIGWINCH: 28, SIGTSTP: 18, SIGCONT: 19 };
const SIGNO: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGTERM: 15 };

/**
 * Route the host signals to `machine`'s guest. `hangupIgnored`: vkemu was started with SIGHUP
 * ignored (nohup); Node resets that to the default action at startup, so bin/vkemu tells us.
 */
export function routeHostSignals(machine: Machine, hangupIgnored: boolean): void {
  let terms = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    const init = machine.init;
    if (!init) return;
    const num = TERMINAL[sig];
    if (num === undefined) {
      machine.postSignal(init, SIGNO[sig] ?? 1);
      if (sig === 'SIGTERM' && ++terms >= 2) {
        endWithoutGuest(machine, 'SIGTERM', 'a second SIGTERM, and the guest is still running');
      } else if (sig === 'SIGHUP') {
        setTimeout(() => endWithoutGuest(machine, 'SIGHUP', `the terminal hung up (SIGHUP) and the guest is still running ${HANGUP_GRACE_MS / 1000} s later`), HANGUP_GRACE_MS).unref();
      }
    } else {
      const fg = machine.kernel.terminal.foreground || init.pgid;
      for (const p of machine.procs.values()) if (p.pgid === fg && p.state === 'running') machine.postSignal(p, num);
    }
    if (sig === 'SIGTSTP' && init.stopped) process.kill(process.pid, 'SIGSTOP');
  };
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGWINCH', 'SIGTSTP', 'SIGCONT', 'SIGTERM'] as const) process.on(sig, onSignal);
  // Under nohup a hang-up is ignored, for the guest too: a listener keeps Node's default action
  // (ending without a flush) away.
  process.on('SIGHUP', hangupIgnored ? () => {} : onSignal);
}

/** Flush the guest's disk images, put the terminal back, say why in one line and exit 128+signo. */
function endWithoutGuest(machine: Machine, sig: 'SIGTERM' | 'SIGHUP', why: string): never {
  const files = [...machine.procs.values()].flatMap((p) => [...p.fds.files()]);
  const n = flushDiskImages(files);
  for (const c of machine.kernel.console) {
    try { c.restore(); } catch { /* the terminal is gone */ }
  }
  const images = n === 1 ? '1 disk image' : `${n} disk images`;
  try {
    process.stderr.write(`vkemu: ${why}: vkemu ends (${images} flushed)\n`);
  } catch { /* no terminal to say it on */ }
  process.exit(128 + SIGNO[sig]!);
}
