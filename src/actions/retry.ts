/**
 * Retries work that failed on a transient conflict (SQLITE_BUSY, serialization failures,
 * deadlocks, lock timeouts: the neutral `40001` code) with bounded, jittered exponential backoff.
 * Only when the attempts run out does the caller see the 503 with Retry-After.
 */
import { isRowgateError } from '../errors/rowgate-error.js';

const ATTEMPTS = 10;
const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 250;

export async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (attempt >= ATTEMPTS || !isTransient(e)) throw e;
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
    }
  }
}

/** A conflict that may not happen again: worth another attempt. */
export function isTransient(e: unknown): boolean {
  return isRowgateError(e) && e.code === '40001';
}
