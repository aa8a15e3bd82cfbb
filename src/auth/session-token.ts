/**
 * rowgate's own access tokens: short-lived HS256 JWTs with Supabase Auth's claims, so supabase-js
 * reads them as it reads Supabase's. Signed by the accounts service, verified by the
 * authenticator; both go through here so the two can never disagree on issuer, audience or algorithm.
 */
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

export const OWN_ISSUER = 'rowgate';
export const OWN_AUDIENCE = 'authenticated';
/** Seconds of clock skew tolerated on exp/nbf/iat. */
export const CLOCK_LEEWAY = 30;

export interface AccessClaims extends JWTPayload {
  readonly sub: string;
  readonly role: string;
  readonly email: string;
  readonly session_id: string;
  readonly app_metadata: Readonly<Record<string, unknown>>;
  readonly user_metadata: Readonly<Record<string, unknown>>;
}

const keys = new Map<string, Uint8Array>();

function keyOf(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

export async function signAccessToken(
  secret: string,
  claims: Omit<AccessClaims, 'iss' | 'aud' | 'iat' | 'exp'>,
  ttlSeconds: number,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims, aal: 'aal1', amr: [{ method: 'password', timestamp: now }], is_anonymous: false })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(OWN_ISSUER)
    .setAudience(OWN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(keyOf(secret));
}

/** The claims of a valid rowgate token; rejects (jose's errors) for anything else. */
export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims> {
  const { payload } = await jwtVerify(token, keyOf(secret), {
    algorithms: ['HS256'],
    issuer: OWN_ISSUER,
    audience: OWN_AUDIENCE,
    clockTolerance: CLOCK_LEEWAY,
    requiredClaims: ['sub', 'exp', 'iat', 'role', 'session_id'],
  });
  return payload as AccessClaims;
}
