/**
 * Refresh tokens: 32 random bytes in base64url, handed to the client once and stored only as their
 * SHA-256 (a stolen table yields no usable token). A plain hash is enough here, unlike passwords:
 * the token has 256 bits of entropy, so there is nothing to guess.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Length of a token as rowgate issues it (43 base64url characters). */
export const REFRESH_TOKEN_LENGTH = 43;

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Hex SHA-256 of the token: what the database holds and is searched by. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a presented value can be one of ours at all (spares a database look-up for junk). */
export function looksLikeRefreshToken(value: string): boolean {
  return value.length === REFRESH_TOKEN_LENGTH && /^[A-Za-z0-9_-]+$/.test(value);
}
