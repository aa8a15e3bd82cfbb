/**
 * A first-come, first-served async mutex: `await mutex.lock()` resolves to a release function;
 * `tryLock()` takes a free mutex at once, without a promise, or returns null. Knows nothing of
 * rowgate; used where one resource (a SQLite write connection) must not be used by two
 * asynchronous tasks at once.
 */
export class Mutex {
  private held = false;
  private readonly waiters: ((release: () => void) => void)[] = [];

  /** The release function when the mutex was free (it is now held), else null. */
  tryLock(): (() => void) | null {
    if (this.held) return null;
    this.held = true;
    return this.releaser();
  }

  lock(): Promise<() => void> {
    const release = this.tryLock();
    if (release) return Promise.resolve(release);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Tasks waiting for the lock, for metrics and tests. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Each holder's own release: a second call does nothing, so it can never free someone else's hold. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next(this.releaser());
      else this.held = false;
    };
  }
}
