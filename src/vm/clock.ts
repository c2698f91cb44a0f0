// Time as the guest sees it: the host's clocks, or a virtual clock that
// advances with executed work so that --deterministic runs repeat exactly.
export interface Clock {
  readonly virtual: boolean;
  /** Monotonic nanoseconds since boot. */
  monotonicNs(): bigint;
  /** Wall-clock nanoseconds since the epoch. */
  realtimeNs(): bigint;
  /** Account executed work (virtual clocks only). */
  advance(ns: bigint): void;
}

export class HostClock implements Clock {
  readonly virtual = false;
  private readonly base = process.hrtime.bigint();
  /** Host CLOCK_MONOTONIC (process.hrtime's clock) minus this is the guest's monotonic time. */
  readonly hostOffsetNs = this.base - 1_000_000_000n;
  monotonicNs(): bigint {
    return process.hrtime.bigint() - this.hostOffsetNs;
  }
  realtimeNs(): bigint {
    return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  }
  advance(): void { /* real time passes by itself */ }
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private now = 1_000_000_000n;
  // A fixed epoch: 2020-07-01T00:00:00Z, the era of the ABI this host speaks.
  private readonly epoch = 1_593_561_600_000_000_000n;
  monotonicNs(): bigint {
    return this.now;
  }
  realtimeNs(): bigint {
    return this.epoch + this.now;
  }
  advance(ns: bigint): void {
    this.now += ns;
  }
  advanceTo(ns: bigint): void {
    if (ns > this.now) this.now = ns;
  }
}
