/**
 * A cheap structural look at a compact JWT before any cryptography: three base64url parts, a JSON
 * object header naming an algorithm and a JSON object payload. The payload read here is UNVERIFIED;
 * the authenticator uses only its `iss` to pick the verifier, and trusts nothing else in it.
 */
import { tokenErrors } from './token-errors.js';

/** Longest token (or API key) looked at; anything longer is refused before parsing. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface UnverifiedJwt {
  readonly header: Readonly<Record<string, unknown>> & { readonly alg: string };
  readonly payload: Readonly<Record<string, unknown>>;
}

export function parseCompact(token: string): UnverifiedJwt {
  if (token.length > MAX_TOKEN_LENGTH) throw tokenErrors.tooLong();
  const parts = token.split('.');
  if (parts.length !== 3) throw tokenErrors.malformed();
  for (const part of parts) {
    // A base64url text of length 4n+1 decodes to nothing sensible.
    if (!BASE64URL.test(part) || part.length % 4 === 1) throw tokenErrors.malformed();
  }
  const header = jsonObject(parts[0]);
  const payload = jsonObject(parts[1]);
  if (typeof header.alg !== 'string' || header.alg === '') throw tokenErrors.malformed();
  return { header: header as UnverifiedJwt['header'], payload };
}

function jsonObject(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw tokenErrors.malformed();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw tokenErrors.malformed();
  return value as Record<string, unknown>;
}
