// A process's interval timers (setitimer/getitimer): ITIMER_REAL counts wall
// time on the machine's timers and posts SIGALRM; ITIMER_VIRTUAL (guest code
// only) and ITIMER_PROF (guest code and its system calls) count the CPU time
// the scheduler charges to the process and post SIGVTALRM / SIGPROF.
import { SIG } from './abi/signals.js';

export const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

/** A timer's reload interval and what is left of it (0n: disarmed), in ns. */
export interface ItimerValue { intervalNs: bigint; valueNs: bigint }

/** What a timer needs from the machine, kept narrow so this file does not import it. */
export interface ItimerHost {
  now(): bigint;
  /** Call fire at monotonic time `at`; returns a canceller. */
  timer(at: bigint, fire: () => void): () => void;
  post(sig: number): void;
}

// Node's setTimeout holds at most 2^31-1 ms: longer timers are armed in steps of this.
const STEP_NS = 1n << 50n;

const CPU_SIGNAL = [0, SIG.SIGVTALRM, SIG.SIGPROF];

export class ProcessTimers {
  /** ITIMER_REAL: the monotonic time it fires next (0n: disarmed). */
  private realAt = 0n;
  private realInterval = 0n;
  private cancelReal: (() => void) | undefined;
  /** ITIMER_VIRTUAL and ITIMER_PROF, by `which`. */
  private readonly cpu: ItimerValue[] = [{ intervalNs: 0n, valueNs: 0n }, { intervalNs: 0n, valueNs: 0n }, { intervalNs: 0n, valueNs: 0n }];
  /** True while a CPU timer runs: only then does the scheduler measure runs. */
  cpuArmed = false;

  constructor(private readonly host: ItimerHost) {}

  get(which: number): ItimerValue {
    if (which !== ITIMER_REAL) return { ...this.cpu[which] };
    const left = this.realAt ? this.realAt - this.host.now() : 0n;
    return { intervalNs: this.realInterval, valueNs: left > 0n ? left : 0n };
  }

  set(which: number, v: ItimerValue): void {
    const interval = v.valueNs ? v.intervalNs : 0n;
    if (which === ITIMER_REAL) {
      this.cancelReal?.();
      this.cancelReal = undefined;
      this.realInterval = interval;
      this.realAt = v.valueNs ? this.host.now() + v.valueNs : 0n;
      if (this.realAt) this.armReal();
      return;
    }
    this.cpu[which] = { intervalNs: interval, valueNs: v.valueNs };
    this.cpuArmed = this.cpu[ITIMER_VIRTUAL].valueNs > 0n || this.cpu[ITIMER_PROF].valueNs > 0n;
  }

  private armReal(): void {
    const now = this.host.now();
    const at = this.realAt - now > STEP_NS ? now + STEP_NS : this.realAt;
    this.cancelReal = this.host.timer(at, () => {
      this.cancelReal = undefined;
      const t = this.host.now();
      if (t < this.realAt) { this.armReal(); return; }
      this.host.post(SIG.SIGALRM);
      if (!this.realInterval) { this.realAt = 0n; return; }
      // Expiries missed while the host was late are folded into one signal.
      do this.realAt += this.realInterval; while (this.realAt <= t);
      this.armReal();
    });
  }

  /** The process ran guest code for `userNs` and served its calls for `sysNs`. */
  charge(userNs: bigint, sysNs: bigint): void {
    this.tick(ITIMER_VIRTUAL, userNs);
    this.tick(ITIMER_PROF, userNs + sysNs);
  }

  private tick(which: number, ns: bigint): void {
    const c = this.cpu[which];
    if (!c.valueNs || ns <= 0n) return;
    c.valueNs -= ns;
    if (c.valueNs > 0n) return;
    this.host.post(CPU_SIGNAL[which]);
    if (c.intervalNs) {
      // The overrun comes off the next period (never below one tick's worth of it).
      c.valueNs = c.intervalNs + c.valueNs;
      if (c.valueNs <= 0n) c.valueNs = c.intervalNs;
    } else {
      c.valueNs = 0n;
      this.cpuArmed = this.cpu[ITIMER_VIRTUAL].valueNs > 0n || this.cpu[ITIMER_PROF].valueNs > 0n;
    }
  }

  /** The process is gone: nothing may fire for it any more. */
  stop(): void {
    this.cancelReal?.();
    this.cancelReal = undefined;
    this.realAt = 0n;
    this.cpuArmed = false;
  }
}
