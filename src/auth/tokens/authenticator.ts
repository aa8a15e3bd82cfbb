/**
 * Who is calling: from a request's headers to a Caller, on every data and /rpc request.
 *
 *   nothing sent                         -> anon
 *   `apikey: <key>`                      -> the key's role (anon or service); no match -> 401
 *   `Authorization: Bearer <key>`        -> the key's role
 *   `Authorization: Bearer <jwt>`        -> the token's role and user id (it decides, whatever `apikey` says,
 *                                           but an `apikey` sent beside it must still be a valid key)
 *
 * A JWT whose (unverified) `iss` is `rowgate` is checked as rowgate's own access token when a
 * jwtSecret is set; any other goes to the external issuer of `auth.jwt`. Verified tokens are
 * cached until they expire, so a repeat costs one map lookup. Every refusal is a 401 with
 * `WWW-Authenticate` (token-errors.ts). See docs/auth-tokens.md.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { JWTPayload } from 'jose';
import type { Caller } from '../../actions/define-action.js';
import { isRowgateError } from '../../errors/rowgate-error.js';
import type { AuthConfig } from '../auth-config.js';
import { CLOCK_LEEWAY, OWN_ISSUER, verifyAccessToken } from '../session-token.js';
import { createApiKeys, type KeyRole } from './api-keys.js';
import { callerFromClaims, DEFAULT_CLAIM_PATHS, type ClaimPaths } from './claims.js';
import { MAX_TOKEN_LENGTH, parseCompact } from './compact.js';
import { createExternalVerifier } from './external-jwt.js';
import { DEFAULT_CACHE_LIMITS, TokenCache, type TokenCacheLimits } from './token-cache.js';
import { fromJoseError, tokenErrors } from './token-errors.js';

export interface Authenticator {
  authenticate(headers: IncomingHttpHeaders): Promise<Caller>;
}

export const ANONYMOUS: Caller = Object.freeze({ role: 'anon', userId: null, claims: Object.freeze({}) });

/** The caller of a request made with a service key: bypasses rules. */
export const SERVICE: Caller = Object.freeze({ role: 'service', userId: null, claims: Object.freeze({ role: 'service' }) });

export interface AuthenticatorOptions {
  /** Bounds of the verified-token cache; `false` turns it off (tests). */
  readonly cache?: TokenCacheLimits | false;
}

interface Verified {
  readonly claims: JWTPayload;
  readonly paths: ClaimPaths;
  readonly leewaySeconds: number;
}

export function createAuthenticator(config: AuthConfig, jwtSecret: string | null, options: AuthenticatorOptions = {}): Authenticator {
  const keys = createApiKeys(config.apiKeys);
  const external = config.jwt ? createExternalVerifier(config.jwt) : null;
  const cache = options.cache === false ? null : new TokenCache(options.cache ?? DEFAULT_CACHE_LIMITS);

  const callerOfKey = (role: KeyRole): Caller => (role === 'service' ? SERVICE : ANONYMOUS);

  /** The signature check of one token, by the verifier its issuer points to. */
  async function verify(token: string): Promise<Verified> {
    const { header, payload } = parseCompact(token);
    try {
      if (jwtSecret && payload.iss === OWN_ISSUER) {
        return { claims: await verifyAccessToken(jwtSecret, token), paths: DEFAULT_CLAIM_PATHS, leewaySeconds: CLOCK_LEEWAY };
      }
      if (external) {
        return { claims: await external.verify(token, header), paths: external.claimPaths, leewaySeconds: external.leewaySeconds };
      }
    } catch (e) {
      throw isRowgateError(e) ? e : fromJoseError(e);
    }
    throw tokenErrors.notAccepted();
  }

  async function callerOfToken(token: string): Promise<Caller> {
    const now = Date.now();
    const { claims, paths, leewaySeconds } = await verify(token);
    // jose checks iat only against a maximum age; a token from the future is refused here.
    if (typeof claims.iat === 'number' && claims.iat * 1000 > now + leewaySeconds * 1000) throw tokenErrors.issuedInFuture();
    const caller = callerFromClaims(claims as Record<string, unknown>, paths);
    // Both verifiers require exp, so every verified token has one.
    if (cache && typeof claims.exp === 'number') cache.set(token, caller, claims.exp * 1000, now);
    return caller;
  }

  return {
    async authenticate(headers) {
      const apikey = readApiKey(headers.apikey, keys.configured ? keys.match : null);
      const authorization = headers.authorization;
      if (authorization === undefined) return apikey ? callerOfKey(apikey) : ANONYMOUS;
      const credential = bearerCredential(authorization);
      // A cached credential is a verified token, and never an API key: only credentials that
      // matched no key reach verification, and so the cache. Looking there first is the same
      // answer, without hashing the token.
      const cached = cache?.get(credential);
      if (cached) return cached;
      const keyRole = keys.configured ? keys.match(credential) : null;
      if (keyRole) return callerOfKey(keyRole);
      return callerOfToken(credential);
    },
  };
}

/**
 * The role of the `apikey` header: undefined when absent (or when no keys are configured, so a
 * client that always sends one, as supabase-js does, still works); 401 when it matches no key.
 */
function readApiKey(value: string | string[] | undefined, match: ((key: string) => KeyRole | null) | null): KeyRole | undefined {
  if (value === undefined || match === null) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_TOKEN_LENGTH) throw tokenErrors.invalidApiKey();
  const role = match(value);
  if (role === null) throw tokenErrors.invalidApiKey();
  return role;
}

/** The credential of `Authorization: Bearer <credential>`; 401 invalid_request for anything else. */
function bearerCredential(value: string | string[]): string {
  // Sent twice (an array, or two values joined with a comma), too long, or not Bearer: refused unread.
  if (typeof value !== 'string') throw tokenErrors.malformedHeader();
  if (value.length > MAX_TOKEN_LENGTH + 64) throw tokenErrors.tooLong();
  const space = value.indexOf(' ');
  if (space !== 6 || value.slice(0, 6).toLowerCase() !== 'bearer') throw tokenErrors.malformedHeader();
  const credential = value.slice(7).trim();
  if (credential === '' || !VISIBLE_ASCII.test(credential)) throw tokenErrors.malformedHeader();
  if (credential.length > MAX_TOKEN_LENGTH) throw tokenErrors.tooLong();
  return credential;
}

/** A credential is one run of visible ASCII: no spaces, so `Bearer a, Bearer b` never passes. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
