/**
 * API keys as Supabase has them: an anonymous key and a service key, each one string or a list
 * (a list is how keys rotate: every key in it is accepted). A presented value is compared with
 * every configured key in constant time: both sides are hashed to 32 bytes first, so neither the
 * length nor the first differing byte of a key shows in the time taken.
 */
import * as crypto from 'node:crypto';
import { ConfigError } from '../../config.js';
import type { AuthConfig } from '../auth-config.js';

export type KeyRole = 'anon' | 'service';

export interface ApiKeys {
  /** Whether any key is configured at all. */
  readonly configured: boolean;
  /** The role of the key equal to `value`, or null when it is none of them. */
  match(value: string): KeyRole | null;
}

/** SHA-256 of a key; `crypto.hash` (Node >= 20.12) is the one-shot, faster form. */
const digest: (value: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'buffer')
    : (value) => crypto.createHash('sha256').update(value, 'utf8').digest();

function list(keys: string | readonly string[] | undefined): readonly string[] {
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
}

export function createApiKeys(config: AuthConfig['apiKeys']): ApiKeys {
  const entries: { digest: Buffer; role: KeyRole }[] = [
    ...list(config?.anon).map((key) => ({ digest: digest(key), role: 'anon' as const })),
    ...list(config?.service).map((key) => ({ digest: digest(key), role: 'service' as const })),
  ];
  const anon = new Set(list(config?.anon));
  if (list(config?.service).some((key) => anon.has(key))) {
    throw new ConfigError('auth.apiKeys: a key is listed as both anon and service; each key must have one role.');
  }
  return {
    configured: entries.length > 0,
    match(value) {
      if (entries.length === 0) return null;
      const presented = digest(value);
      let found: KeyRole | null = null;
      // No early exit: the time taken does not depend on which key (if any) matched.
      for (const entry of entries) {
        if (crypto.timingSafeEqual(presented, entry.digest) && found === null) found = entry.role;
      }
      return found;
    },
  };
}
