/**
 * Verified tokens, remembered until they expire, so a token seen before costs one map lookup
 * instead of a signature check. Bounded twice: by entries and by the total length of the tokens
 * kept (tokens reach 8 KiB; claims are about as large), the oldest going first. Only successes
 * are kept: a refused token is checked again every time it is sent.
 */
import type { Caller } from '../../actions/define-action.js';

export interface TokenCacheLimits {
  readonly maxEntries: number;
  /** Sum of the lengths of the cached token strings. */
  readonly maxChars: number;
}

export const DEFAULT_CACHE_LIMITS: TokenCacheLimits = { maxEntries: 10_000, maxChars: 16 * 1024 * 1024 };

interface Entry {
  readonly caller: Caller;
  /** Epoch milliseconds after which the entry is dead: the token's `exp`. */
  readonly expiresAt: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  constructor(private readonly limits: TokenCacheLimits = DEFAULT_CACHE_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, now = Date.now()): Caller | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(token);
      return undefined;
    }
    return entry.caller;
  }

  /** Keeps `caller` for `token` until `expiresAt` (epoch ms); a token already expired is not kept. */
  set(token: string, caller: Caller, expiresAt: number, now = Date.now()): void {
    if (!(expiresAt > now) || token.length > this.limits.maxChars) return;
    this.delete(token);
    this.entries.set(token, { caller, expiresAt });
    this.chars += token.length;
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.entries.size > this.limits.maxEntries || this.chars > this.limits.maxChars) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }

  private delete(token: string): void {
    if (this.entries.delete(token)) this.chars -= token.length;
  }
}
