/**
 * Request deadlines without a timer per request: one sweep, a tenth of the timeout apart, calls
 * `expire` for every request past its deadline. Requests share one timeout, so insertion order is
 * deadline order and the sweep stops at the first entry still in time.
 */
export interface Deadline {
  readonly at: number;
  /** Answers the request with its 504, if nothing has been sent yet. */
  readonly expire: () => void;
}

export class Deadlines {
  private readonly open = new Set<Deadline>();
  private sweep: NodeJS.Timeout | null = null;

  constructor(readonly ms: number) {}

  track(expire: () => void): Deadline {
    const entry = { at: performance.now() + this.ms, expire };
    this.open.add(entry);
    if (!this.sweep) {
      this.sweep = setInterval(() => this.expireDue(), Math.max(10, Math.min(1000, this.ms / 10)));
      this.sweep.unref();
    }
    return entry;
  }

  done(entry: Deadline): void {
    this.open.delete(entry);
  }

  stop(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
  }

  private expireDue(): void {
    const now = performance.now();
    for (const entry of this.open) {
      if (entry.at > now) return;
      this.open.delete(entry);
      entry.expire();
    }
    if (this.open.size === 0) this.stop();
  }
}
