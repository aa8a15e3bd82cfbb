/**
 * The 401s of the authenticator, as catalog errors carrying RFC 6750's `WWW-Authenticate` header.
 * Every message is a fixed phrase: nothing from the request (least of all the token) is echoed,
 * and the descriptions hold no quote or backslash, so they sit safely inside the header's quotes.
 */
import { errors as joseErrors } from 'jose';
import { rowgateError } from '../../errors/catalog.js';
import type { RowgateError } from '../../errors/rowgate-error.js';

type Kind = 'invalid_token' | 'invalid_request';

function unauthorized(code: 'PGRST301' | 'PGRST303', kind: Kind, message: string, hint: string | null = null): RowgateError {
  return rowgateError(code, message, {
    hint,
    headers: { 'WWW-Authenticate': `Bearer error="${kind}", error_description="${message}"` },
  });
}

const SIGN_IN_AGAIN = 'Sign in again or refresh the session to get a new token.';

/** The conditions, by name; tests and docs use the same names. */
export const tokenErrors = {
  /** Authorization header that is not `Bearer <credential>`, sent twice, or empty. */
  malformedHeader: () => unauthorized('PGRST301', 'invalid_request', 'The Authorization header must be: Bearer <token>'),
  /** `apikey` header that matches no configured key (or is empty, or sent twice). */
  invalidApiKey: () => unauthorized('PGRST301', 'invalid_token', 'Invalid API key'),
  tooLong: () => unauthorized('PGRST301', 'invalid_token', 'JWT is too long'),
  malformed: () => unauthorized('PGRST301', 'invalid_token', 'JWT is malformed'),
  algorithmNotAllowed: () => unauthorized('PGRST301', 'invalid_token', 'JWT algorithm is not allowed'),
  badSignature: () => unauthorized('PGRST301', 'invalid_token', 'JWT signature does not match'),
  noKey: () => unauthorized('PGRST301', 'invalid_token', 'No key matches the JWT key id'),
  keysUnavailable: () => unauthorized('PGRST301', 'invalid_token', 'The JWT signing keys could not be fetched'),
  unsupported: () => unauthorized('PGRST301', 'invalid_token', 'JWT uses an unsupported feature'),
  missingClaim: () => unauthorized('PGRST301', 'invalid_token', 'JWT lacks a required claim'),
  invalidClaim: () => unauthorized('PGRST301', 'invalid_token', 'JWT has an invalid claim'),
  invalidRole: () => unauthorized('PGRST301', 'invalid_token', 'JWT role claim is not a valid role name'),
  invalidUserId: () => unauthorized('PGRST301', 'invalid_token', 'JWT user id claim is not a string'),
  invalid: () => unauthorized('PGRST301', 'invalid_token', 'JWT is invalid'),
  notAccepted: () => unauthorized('PGRST301', 'invalid_token', 'No configured issuer accepts this JWT'),
  expired: () => unauthorized('PGRST303', 'invalid_token', 'JWT expired', SIGN_IN_AGAIN),
  notYetValid: () => unauthorized('PGRST303', 'invalid_token', 'JWT is not yet valid'),
  issuedInFuture: () => unauthorized('PGRST303', 'invalid_token', 'JWT is issued in the future'),
  wrongAudience: () => unauthorized('PGRST303', 'invalid_token', 'JWT audience is not accepted'),
  wrongIssuer: () => unauthorized('PGRST303', 'invalid_token', 'JWT issuer is not accepted'),
};

/** The remote key set could not be fetched or read (the cause is kept for logs, never sent). */
export class KeySetUnavailable extends Error {}

/** A jose failure as the 401 that says, in general terms, what was wrong. */
export function fromJoseError(e: unknown): RowgateError {
  if (e instanceof joseErrors.JWTExpired) return e.claim === 'exp' ? tokenErrors.expired() : tokenErrors.issuedInFuture();
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.reason === 'missing') return tokenErrors.missingClaim();
    // Only a claim that is well-formed but fails its check is a PGRST303; a malformed one is invalid.
    if (e.reason !== 'check_failed') return tokenErrors.invalidClaim();
    switch (e.claim) {
      case 'nbf':
        return tokenErrors.notYetValid();
      case 'iat':
        return tokenErrors.issuedInFuture();
      case 'aud':
        return tokenErrors.wrongAudience();
      case 'iss':
        return tokenErrors.wrongIssuer();
      default:
        return tokenErrors.invalidClaim();
    }
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return tokenErrors.badSignature();
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return tokenErrors.algorithmNotAllowed();
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys) return tokenErrors.noKey();
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid) return tokenErrors.keysUnavailable();
  if (e instanceof joseErrors.JOSENotSupported) return tokenErrors.unsupported();
  if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return tokenErrors.malformed();
  if (e instanceof KeySetUnavailable) return tokenErrors.keysUnavailable();
  return tokenErrors.invalid();
}
