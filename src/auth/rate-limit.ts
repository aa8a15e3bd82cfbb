/**
 * Login and sign-up attempts limited per client address and per account, so a password cannot be
 * guessed by brute force and sign-ups cannot be sprayed from one address.
 *
 * - Per address (`perIp`, default 30 per 60 s): every login and sign-up attempt counts, before the
 *   request is even read, so garbage floods are limited too.
 * - Per account (`perAccount`, default 5 per 60 s): failed logins for one email, and sign-up
 *   attempts for one email, in separate buckets. A successful login clears the account's failures.
 *
 * Counting is a fixed window per key: the first hit opens a window of `windowSeconds`, hits past
 * `max` inside it are refused with the seconds left until it closes (`Retry-After`).
 *
 * The counters sit behind `RateLimitStore`. `MemoryRateLimitStore` keeps them in this process, in
 * a bounded map (expired windows are swept first, then the oldest windows go), which is right for
 * one process. Several rowgate processes behind a load balancer each count on their own, so an
 * attacker gets N times the budget: a store over Redis (`INCR` + `PEXPIRE` in one MULTI, `PTTL` for
 * the reset time) implements the same three methods and is passed to `AuthRateLimiter`.
 *
 * This module knows nothing of HTTP: it throws `RateLimitedError`; the routes answer 429.
 */

export interface RateRule {
  /** Attempts allowed per window. */
  readonly max: number;
  readonly windowSeconds: number;
}

export interface RateLimitOptions {
  readonly perIp?: RateRule;
  readonly perAccount?: RateRule;
}

export const DEFAULT_PER_IP: RateRule = Object.freeze({ max: 30, windowSeconds: 60 });
export const DEFAULT_PER_ACCOUNT: RateRule = Object.freeze({ max: 5, windowSeconds: 60 });

/** A key's count in its current window, and when that window closes (ms since the epoch). */
export interface WindowCount {
  readonly count: number;
  readonly resetAt: number;
}

/** Where counters live: this process's memory, or a shared store (Redis) for several processes. */
export interface RateLimitStore {
  /** Adds one to the key's count, opening a window of `windowMs` when none is open; the new count. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** The key's count in its open window, or null when no window is open. */
  peek(key: string): Promise<WindowCount | null>;
  /** Forgets the key's window. */
  reset(key: string): Promise<void>;
}

/** Thrown when a limit is reached; `retryAfterSeconds` is at least 1. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Request rate limit reached');
    this.name = 'RateLimitedError';
  }
}

interface Entry {
  count: number;
  resetAt: number;
}

/** Counters in one process's memory; at most `maxKeys` windows are kept. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxKeys = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry || entry.resetAt <= now) {
      // Re-inserted, so the map stays ordered by window start: the oldest windows come first.
      this.entries.delete(key);
      this.makeRoom(now);
      entry = { count: 0, resetAt: now + windowMs };
      this.entries.set(key, entry);
    }
    entry.count++;
    return { count: entry.count, resetAt: entry.resetAt };
  }

  async peek(key: string): Promise<WindowCount | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.resetAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return { count: entry.count, resetAt: entry.resetAt };
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Below the bound: expired windows go first; if none has expired, the oldest window goes. */
  private makeRoom(now: number): void {
    if (this.entries.size < this.maxKeys) return;
    for (const [key, entry] of this.entries) {
      if (entry.resetAt <= now) this.entries.delete(key);
    }
    while (this.entries.size >= this.maxKeys) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}

/** What an account-limited attempt is: failed logins and sign-ups are counted apart. */
export type AccountAction = 'login' | 'signup';

export class AuthRateLimiter {
  readonly perIp: RateRule;
  readonly perAccount: RateRule;

  constructor(
    options: RateLimitOptions = {},
    private readonly store: RateLimitStore = new MemoryRateLimitStore(),
    private readonly now: () => number = Date.now,
  ) {
    this.perIp = options.perIp ?? DEFAULT_PER_IP;
    this.perAccount = options.perAccount ?? DEFAULT_PER_ACCOUNT;
  }

  /** Counts one login or sign-up attempt from `ip`; throws past the limit. */
  async attemptFrom(ip: string): Promise<void> {
    const counted = await this.store.hit(`ip:${ip}`, this.perIp.windowSeconds * 1000);
    if (counted.count > this.perIp.max) throw this.limited(counted);
  }

  /** Throws when the account has used up its attempts of this kind in the current window. */
  async checkAccount(action: AccountAction, account: string): Promise<void> {
    const counted = await this.store.peek(accountKey(action, account));
    if (counted && counted.count >= this.perAccount.max) throw this.limited(counted);
  }

  /** Counts one attempt against the account (a failed login, a sign-up). */
  async countAccount(action: AccountAction, account: string): Promise<void> {
    await this.store.hit(accountKey(action, account), this.perAccount.windowSeconds * 1000);
  }

  /** A successful login: the account's failures are forgotten. */
  async clearAccount(action: AccountAction, account: string): Promise<void> {
    await this.store.reset(accountKey(action, account));
  }

  private limited(counted: WindowCount): RateLimitedError {
    return new RateLimitedError(Math.max(1, Math.ceil((counted.resetAt - this.now()) / 1000)));
  }
}

function accountKey(action: AccountAction, account: string): string {
  return `${action}:${account.toLowerCase()}`;
}
