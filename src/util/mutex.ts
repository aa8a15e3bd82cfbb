/**
 * A first-come, first-served async mutex: `await mutex.lock()` resolves to a release function.
 * Knows nothing of rowgate; used where one resource (a SQLite write connection) must not be used
 * by two asynchronous tasks at once.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.waiting++;
    this.tail = this.tail.then(() => next);
    return ready.then((r) => {
      this.waiting--;
      return r;
    });
  }

  /** Tasks waiting for the lock, for metrics and tests. */
  get queued(): number {
    return this.waiting;
  }
}
