/**
 * createAuthenticator: who is calling, from a request's headers. Unit tests of every rule, then a
 * table of hostile and malformed credentials, each of which must end in a 401 with
 * `WWW-Authenticate`, beside positive controls that must be accepted (so the table cannot pass by
 * refusing everything).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthConfig } from '../../src/auth/auth-config.js';
import { signAccessToken } from '../../src/auth/session-token.js';
import { createApiKeys } from '../../src/auth/tokens/api-keys.js';
import { ANONYMOUS, createAuthenticator, SERVICE, type Authenticator } from '../../src/auth/tokens/authenticator.js';
import { claimAt, roleOf } from '../../src/auth/tokens/claims.js';
import { TokenCache } from '../../src/auth/tokens/token-cache.js';
import { ConfigError } from '../../src/config.js';
import {
  AUDIENCE,
  b64u,
  claims,
  decodePayload,
  ecPair,
  es256,
  expectRefused,
  hs256,
  hs512,
  ISSUER,
  now,
  randomSecret,
  rs256,
  rsaPair,
  unsigned,
  withHeader,
  withPayload,
  type Json,
} from './tokens-kit.js';

// ---------------------------------------------------------------------------------------------
// Keys and authenticators, all made here at run time.

const OWN_SECRET = randomSecret();
const HS_SECRET = randomSecret();
const ANON_KEYS = [`anon-${randomSecret()}`, `anon-rotated-${randomSecret()}`];
const SERVICE_KEY = `service-${randomSecret()}`;
const rsa = rsaPair();
const ec = ecPair();
const attackerRsa = rsaPair();
const attackerEc = ecPair();
const p384 = ecPair('secp384r1');

const dir = mkdtempSync(join(tmpdir(), 'rowgate-tokens-'));
const jwksFile = join(dir, 'jwks.json');
writeFileSync(jwksFile, JSON.stringify({ keys: [rsa.jwk({ kid: 'rsa1', use: 'sig', alg: 'RS256' }), ec.jwk({ kid: 'ec1', use: 'sig', alg: 'ES256' })] }));
const emptyJwksFile = join(dir, 'empty.json');
writeFileSync(emptyJwksFile, JSON.stringify({ keys: [] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const apiKeys = { anon: ANON_KEYS, service: SERVICE_KEY };
const external = { issuer: ISSUER, audience: AUDIENCE };

const hsAuth = createAuthenticator({ apiKeys, jwt: { algorithms: ['HS256'], secret: HS_SECRET, ...external } }, OWN_SECRET);
const rsAuth = createAuthenticator({ jwt: { algorithms: ['RS256'], publicKey: rsa.pem, ...external } }, null);
const esAuth = createAuthenticator({ jwt: { algorithms: ['ES256'], publicKey: ec.pem, ...external } }, null);
const mixedAuth = createAuthenticator({ jwt: { algorithms: ['HS256', 'RS256'], secret: HS_SECRET, publicKey: rsa.pem, ...external } }, null);
const jwksAuth = createAuthenticator({ jwt: { algorithms: ['RS256', 'ES256'], jwksFile, ...external } }, null);
const emptyJwksAuth = createAuthenticator({ jwt: { algorithms: ['RS256', 'ES256'], jwksFile: emptyJwksFile, ...external } }, null);
const ownOnlyAuth = createAuthenticator({ apiKeys }, OWN_SECRET);

const bearer = (token: string): IncomingHttpHeaders => ({ authorization: `Bearer ${token}` });

const ownToken = await signAccessToken(
  OWN_SECRET,
  { sub: 'u-own', role: 'authenticated', email: 'a@example.com', session_id: 's1', app_metadata: {}, user_metadata: {} },
  3600,
);

// ---------------------------------------------------------------------------------------------
// Positive controls: these must be accepted, with the right role and user id.

describe('accepted credentials', () => {
  const accepted: { name: string; via: Authenticator; headers: IncomingHttpHeaders; role: string; userId: string | null }[] = [
    { name: 'nothing sent', via: hsAuth, headers: {}, role: 'anon', userId: null },
    { name: 'anon key as apikey', via: hsAuth, headers: { apikey: ANON_KEYS[0] }, role: 'anon', userId: null },
    { name: 'rotated anon key as apikey', via: hsAuth, headers: { apikey: ANON_KEYS[1] }, role: 'anon', userId: null },
    { name: 'service key as apikey', via: hsAuth, headers: { apikey: SERVICE_KEY }, role: 'service', userId: null },
    { name: 'service key as bearer', via: hsAuth, headers: bearer(SERVICE_KEY), role: 'service', userId: null },
    { name: 'anon key as bearer', via: hsAuth, headers: bearer(ANON_KEYS[1]), role: 'anon', userId: null },
    { name: 'lower-case bearer scheme', via: hsAuth, headers: { authorization: `bearer ${SERVICE_KEY}` }, role: 'service', userId: null },
    { name: 'anon apikey + bearer service key', via: hsAuth, headers: { apikey: ANON_KEYS[0], ...bearer(SERVICE_KEY) }, role: 'service', userId: null },
    { name: 'HS256 without role claim', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims())), role: 'authenticated', userId: 'user-42' },
    {
      name: 'supabase-js: anon apikey + bearer access token',
      via: hsAuth,
      headers: { apikey: ANON_KEYS[0], ...bearer(hs256(HS_SECRET, claims({ role: 'authenticated' }))) },
      role: 'authenticated',
      userId: 'user-42',
    },
    {
      name: 'service apikey + bearer user token: the token decides',
      via: hsAuth,
      headers: { apikey: SERVICE_KEY, ...bearer(hs256(HS_SECRET, claims({ role: 'authenticated' }))) },
      role: 'authenticated',
      userId: 'user-42',
    },
    { name: 'HS256 custom role admin', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'admin' }))), role: 'admin', userId: 'user-42' },
    { name: 'HS256 custom role manager', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'manager' }))), role: 'manager', userId: 'user-42' },
    { name: 'HS256 service_role -> service', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'service_role' }))), role: 'service', userId: 'user-42' },
    { name: 'HS256 role anon', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'anon', sub: undefined }))), role: 'anon', userId: null },
    { name: 'HS256 numeric sub', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ sub: 1234 }))), role: 'authenticated', userId: '1234' },
    { name: 'HS256 audience in a list', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ aud: ['other', AUDIENCE] }))), role: 'authenticated', userId: 'user-42' },
    { name: 'HS256 exp within leeway', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ exp: now() - 10 }))), role: 'authenticated', userId: 'user-42' },
    { name: 'HS256 nbf within leeway', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ nbf: now() + 10 }))), role: 'authenticated', userId: 'user-42' },
    { name: 'HS256 iat slightly ahead (within leeway)', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ iat: now() + 10 }))), role: 'authenticated', userId: 'user-42' },
    { name: 'rowgate own token', via: hsAuth, headers: bearer(ownToken), role: 'authenticated', userId: 'u-own' },
    { name: 'rowgate own token, own-only config', via: ownOnlyAuth, headers: { apikey: ANON_KEYS[0], ...bearer(ownToken) }, role: 'authenticated', userId: 'u-own' },
    { name: 'RS256 with PEM', via: rsAuth, headers: bearer(rs256(rsa.privateKey, claims({ role: 'editor' }))), role: 'editor', userId: 'user-42' },
    { name: 'ES256 with PEM', via: esAuth, headers: bearer(es256(ec.privateKey, claims())), role: 'authenticated', userId: 'user-42' },
    { name: 'mixed config: HS256', via: mixedAuth, headers: bearer(hs256(HS_SECRET, claims())), role: 'authenticated', userId: 'user-42' },
    { name: 'mixed config: RS256', via: mixedAuth, headers: bearer(rs256(rsa.privateKey, claims())), role: 'authenticated', userId: 'user-42' },
    { name: 'JWKS file: RS256 kid rsa1', via: jwksAuth, headers: bearer(rs256(rsa.privateKey, claims(), { kid: 'rsa1' })), role: 'authenticated', userId: 'user-42' },
    { name: 'JWKS file: ES256 kid ec1', via: jwksAuth, headers: bearer(es256(ec.privateKey, claims({ role: 'service_role' }), { kid: 'ec1' })), role: 'service', userId: 'user-42' },
  ];
  for (const c of accepted) {
    it(c.name, async () => {
      const caller = await c.via.authenticate(c.headers);
      expect(caller.role).toBe(c.role);
      expect(caller.userId).toBe(c.userId);
    });
  }

  it('passes the verified claims through, frozen', async () => {
    const token = hs256(HS_SECRET, claims({ role: 'admin', email: 'x@example.com', app_metadata: { tenant: 7 } }));
    const caller = await hsAuth.authenticate(bearer(token));
    expect(caller.claims).toEqual(decodePayload(token));
    expect(Object.isFrozen(caller.claims)).toBe(true);
    expect(Object.isFrozen(caller.claims.app_metadata)).toBe(true);
    const own = await hsAuth.authenticate(bearer(ownToken));
    expect(own.claims).toMatchObject({ iss: 'rowgate', sub: 'u-own', email: 'a@example.com', session_id: 's1' });
  });

  it('a token signed by jose itself verifies (interoperability)', async () => {
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const token = await new SignJWT({ role: 'reporter' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('jose-user')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importPKCS8(pkcs8, 'RS256'));
    expect(await rsAuth.authenticate(bearer(token))).toMatchObject({ role: 'reporter', userId: 'jose-user' });
  });

  it('returns the shared constants for nothing sent and for API keys', async () => {
    expect(await hsAuth.authenticate({})).toBe(ANONYMOUS);
    expect(ANONYMOUS).toEqual({ role: 'anon', userId: null, claims: {} });
    expect(await hsAuth.authenticate({ apikey: ANON_KEYS[0] })).toBe(ANONYMOUS);
    expect(await hsAuth.authenticate({ apikey: SERVICE_KEY })).toBe(SERVICE);
  });

  it('ignores an apikey header when no keys are configured (supabase-js always sends one)', async () => {
    expect(await rsAuth.authenticate({ apikey: 'whatever-the-client-was-given' })).toBe(ANONYMOUS);
    const token = rs256(rsa.privateKey, claims());
    expect((await rsAuth.authenticate({ apikey: 'whatever', ...bearer(token) })).role).toBe('authenticated');
  });

  it('reads role and user id from configured dotted claim paths', async () => {
    const auth = createAuthenticator(
      { jwt: { algorithms: ['HS256'], secret: HS_SECRET, roleClaim: 'app_metadata.role', userIdClaim: 'user.id' } },
      null,
    );
    const token = hs256(HS_SECRET, claims({ role: 'ignored', app_metadata: { role: 'manager' }, user: { id: 'deep-1' } }));
    expect(await auth.authenticate(bearer(token))).toMatchObject({ role: 'manager', userId: 'deep-1' });
    // Missing path: authenticated, no user id.
    expect(await auth.authenticate(bearer(hs256(HS_SECRET, claims({ sub: undefined }))))).toMatchObject({ role: 'authenticated', userId: null });
  });

  it('accepts any issuer and audience when none is configured', async () => {
    const auth = createAuthenticator({ jwt: { algorithms: ['HS256'], secret: HS_SECRET } }, null);
    const token = hs256(HS_SECRET, claims({ iss: 'https://elsewhere.example', aud: 'anything' }));
    expect((await auth.authenticate(bearer(token))).userId).toBe('user-42');
  });

  it('honours leewaySeconds', async () => {
    const strict = createAuthenticator({ jwt: { algorithms: ['HS256'], secret: HS_SECRET, leewaySeconds: 0 } }, null);
    const loose = createAuthenticator({ jwt: { algorithms: ['HS256'], secret: HS_SECRET, leewaySeconds: 120 } }, null);
    const token = hs256(HS_SECRET, claims({ exp: now() - 60 }));
    await expectRefused(strict.authenticate(bearer(token)), [token], { code: 'PGRST303' });
    expect((await loose.authenticate(bearer(token))).role).toBe('authenticated');
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile and malformed credentials: every one a 401 with WWW-Authenticate.

interface Hostile {
  readonly name: string;
  readonly via: Authenticator;
  readonly headers: IncomingHttpHeaders;
  readonly code?: 'PGRST301' | 'PGRST303';
  readonly kind?: 'invalid_token' | 'invalid_request';
}

const good = hs256(HS_SECRET, claims({ role: 'authenticated' }));
const goodRs = rs256(rsa.privateKey, claims());
const goodEs = es256(ec.privateKey, claims());
const flip = (s: string, at: number): string => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
const oneOff = (key: string): string => key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
const refreshToken = Buffer.from(randomSecret(), 'hex').toString('base64url');
const huge = hs256(HS_SECRET, claims({ padding: 'x'.repeat(9000) }));
const [goodHeader, goodPayload, goodSignature] = good.split('.');

const hostile: Hostile[] = [
  // alg none and friends
  { name: 'alg none, empty signature', via: hsAuth, headers: bearer(unsigned('none', claims())) },
  { name: 'alg None', via: hsAuth, headers: bearer(unsigned('None', claims())) },
  { name: 'alg NONE', via: hsAuth, headers: bearer(unsigned('NONE', claims())) },
  { name: 'alg nOnE', via: hsAuth, headers: bearer(unsigned('nOnE', claims())) },
  { name: 'alg none with a real signature kept', via: hsAuth, headers: bearer(unsigned('none', claims(), goodSignature)) },
  { name: 'alg None with a real signature kept', via: hsAuth, headers: bearer(unsigned('None', claims(), goodSignature)) },
  { name: 'alg NONE with a made-up signature', via: hsAuth, headers: bearer(unsigned('NONE', claims(), 'c2lnbmF0dXJl')) },
  { name: 'alg none against an RS256 config', via: rsAuth, headers: bearer(unsigned('none', claims())) },
  { name: 'alg missing from header', via: hsAuth, headers: bearer(withHeader(good, { typ: 'JWT' })) },
  { name: 'alg empty string', via: hsAuth, headers: bearer(withHeader(good, { alg: '', typ: 'JWT' })) },
  { name: 'alg not a string', via: hsAuth, headers: bearer(withHeader(good, { alg: ['HS256'], typ: 'JWT' })) },
  // algorithm confusion
  { name: 'HS512 signed with the right secret (not allowed)', via: hsAuth, headers: bearer(hs512(HS_SECRET, claims())) },
  { name: 'alg hs256 (wrong case)', via: hsAuth, headers: bearer(withHeader(good, { alg: 'hs256', typ: 'JWT' })) },
  { name: 'RS256 token when only HS256 is allowed', via: hsAuth, headers: bearer(rs256(rsa.privateKey, claims())) },
  { name: 'HS256 token when only RS256 is allowed', via: rsAuth, headers: bearer(hs256(HS_SECRET, claims())) },
  { name: 'HS256 signed with the RSA public key PEM as secret (RS256-only config)', via: rsAuth, headers: bearer(hs256(rsa.pem, claims({ role: 'service' }))) },
  { name: 'HS256 signed with the RSA public key PEM as secret (HS256+RS256 config)', via: mixedAuth, headers: bearer(hs256(rsa.pem, claims({ role: 'service' }))) },
  { name: 'HS256 signed with the DER of the RSA public key', via: mixedAuth, headers: bearer(hs256(rsa.publicKey.export({ type: 'spki', format: 'der' }), claims())) },
  { name: 'ES256 token when only RS256 is allowed', via: rsAuth, headers: bearer(es256(ec.privateKey, claims())) },
  { name: 'RS256 token when only ES256 is allowed', via: esAuth, headers: bearer(rs256(rsa.privateKey, claims())) },
  { name: 'ES256 header signed with a P-384 key (wrong curve)', via: esAuth, headers: bearer(es256(p384.privateKey, claims())) },
  { name: 'ES256 header, P-384 signature, JWKS', via: jwksAuth, headers: bearer(es256(p384.privateKey, claims(), { kid: 'ec1' })) },
  // time
  { name: 'expired beyond leeway', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ exp: now() - 120 }))), code: 'PGRST303' },
  { name: 'expired long ago', via: rsAuth, headers: bearer(rs256(rsa.privateKey, claims({ iat: 1_000_000, exp: 1_000_100 }))), code: 'PGRST303' },
  { name: 'nbf in the future', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ nbf: now() + 300 }))), code: 'PGRST303' },
  { name: 'iat far in the future', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ iat: now() + 86_400, exp: now() + 90_000 }))), code: 'PGRST303' },
  { name: 'missing exp', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ exp: undefined }))), code: 'PGRST301' },
  { name: 'exp not a number', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ exp: String(now() + 300) }))) },
  { name: 'nbf not a number', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ nbf: 'soon' }))), code: 'PGRST301' },
  // audience and issuer
  { name: 'wrong audience', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ aud: 'someone-else' }))), code: 'PGRST303' },
  { name: 'missing audience', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ aud: undefined }))) },
  { name: 'wrong issuer', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ iss: 'https://evil.example/' }))), code: 'PGRST303' },
  { name: 'wrong issuer (RS256)', via: rsAuth, headers: bearer(rs256(rsa.privateKey, claims({ iss: 'https://evil.example/' }))), code: 'PGRST303' },
  // tampering
  { name: 'tampered payload: role changed to service', via: hsAuth, headers: bearer(withPayload(good, { ...decodePayload(good), role: 'service' })) },
  { name: 'tampered payload: sub changed (RS256)', via: rsAuth, headers: bearer(withPayload(goodRs, { ...decodePayload(goodRs), sub: 'admin' })) },
  { name: 'tampered payload: exp extended (ES256)', via: esAuth, headers: bearer(withPayload(goodEs, { ...decodePayload(goodEs), exp: now() + 10 ** 8 })) },
  { name: 'tampered header: kid added', via: hsAuth, headers: bearer(withHeader(good, { alg: 'HS256', typ: 'JWT', kid: 'k1' })) },
  { name: 'truncated signature', via: hsAuth, headers: bearer(good.slice(0, -6)) },
  { name: 'empty signature', via: hsAuth, headers: bearer(`${goodHeader}.${goodPayload}.`) },
  { name: 'one signature character changed', via: hsAuth, headers: bearer(`${goodHeader}.${goodPayload}.${flip(goodSignature, 10)}`) },
  { name: 'signature from another secret', via: hsAuth, headers: bearer(hs256(randomSecret(), claims())) },
  { name: 'signature from another RSA key', via: rsAuth, headers: bearer(rs256(attackerRsa.privateKey, claims())) },
  { name: 'signature from another EC key', via: esAuth, headers: bearer(es256(attackerEc.privateKey, claims())) },
  { name: 'signature of another token', via: hsAuth, headers: bearer(`${goodHeader}.${goodPayload}.${hs256(HS_SECRET, claims({ role: 'x' })).split('.')[2]}`) },
  // keys and key ids
  { name: 'unknown kid', via: jwksAuth, headers: bearer(rs256(rsa.privateKey, claims(), { kid: 'no-such-key' })) },
  { name: 'no kid with a JWKS', via: jwksAuth, headers: bearer(rs256(rsa.privateKey, claims())) },
  { name: 'kid of an EC key on an RS256 token', via: jwksAuth, headers: bearer(rs256(rsa.privateKey, claims(), { kid: 'ec1' })) },
  { name: 'kid of an RSA key on an ES256 token', via: jwksAuth, headers: bearer(es256(ec.privateKey, claims(), { kid: 'rsa1' })) },
  { name: 'right kid, attacker key', via: jwksAuth, headers: bearer(rs256(attackerRsa.privateKey, claims(), { kid: 'rsa1' })) },
  { name: 'kid not a string', via: jwksAuth, headers: bearer(rs256(rsa.privateKey, claims(), { kid: 1 })) },
  { name: 'JWKS with no keys', via: emptyJwksAuth, headers: bearer(rs256(rsa.privateKey, claims(), { kid: 'rsa1' })) },
  { name: 'HS256 token against a JWKS-only config', via: jwksAuth, headers: bearer(hs256(HS_SECRET, claims(), { kid: 'rsa1' })) },
  // header injection: an embedded key must be ignored
  { name: 'jwk header with the attacker public key', via: rsAuth, headers: bearer(rs256(attackerRsa.privateKey, claims({ role: 'service' }), { jwk: attackerRsa.jwk() })) },
  { name: 'jwk header against a JWKS', via: jwksAuth, headers: bearer(rs256(attackerRsa.privateKey, claims(), { kid: 'rsa1', jwk: attackerRsa.jwk({ kid: 'rsa1' }) })) },
  { name: 'jku header pointing elsewhere', via: jwksAuth, headers: bearer(rs256(attackerRsa.privateKey, claims(), { kid: 'evil', jku: 'https://evil.example/jwks.json' })) },
  { name: 'x5u header pointing elsewhere', via: rsAuth, headers: bearer(rs256(attackerRsa.privateKey, claims(), { x5u: 'https://evil.example/cert.pem' })) },
  { name: 'x5c header with a made-up chain', via: esAuth, headers: bearer(es256(attackerEc.privateKey, claims(), { x5c: ['MIIB'] })) },
  { name: 'crit header with an unknown extension (validly signed)', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims(), { crit: ['https://x.example/ext'], 'https://x.example/ext': true })) },
  { name: 'crit naming a parameter that is absent', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims(), { crit: ['exp'] })) },
  { name: 'b64 false (unencoded payload)', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims(), { b64: false, crit: ['b64'] })) },
  // structure
  { name: 'only two parts', via: hsAuth, headers: bearer(`${goodHeader}.${goodPayload}`) },
  { name: 'four parts', via: hsAuth, headers: bearer(`${good}.${goodSignature}`) },
  { name: 'one part', via: hsAuth, headers: bearer(goodPayload) },
  { name: 'dots only', via: hsAuth, headers: bearer('..') },
  { name: 'non-base64url characters in the payload', via: hsAuth, headers: bearer(`${goodHeader}.${goodPayload.slice(0, 10)}*%$${goodPayload.slice(10)}.${goodSignature}`) },
  { name: 'base64 padding in the payload', via: hsAuth, headers: bearer(`${goodHeader}.${goodPayload}==.${goodSignature}`) },
  { name: 'header that is not JSON', via: hsAuth, headers: bearer(`${b64u('not json')}.${goodPayload}.${goodSignature}`) },
  { name: 'payload that is not JSON', via: hsAuth, headers: bearer(hs256(HS_SECRET, 'not json at all')) },
  { name: 'payload JSON array (validly signed)', via: hsAuth, headers: bearer(hs256(HS_SECRET, [claims()])) },
  { name: 'payload JSON string (validly signed)', via: hsAuth, headers: bearer(hs256(HS_SECRET, JSON.stringify('hello'))) },
  { name: 'payload JSON null (validly signed)', via: hsAuth, headers: bearer(hs256(HS_SECRET, 'null')) },
  { name: 'huge token (validly signed, over 8 KiB)', via: hsAuth, headers: bearer(huge) },
  { name: 'JWS JSON serialization as bearer', via: hsAuth, headers: bearer(JSON.stringify({ protected: goodHeader, payload: goodPayload, signature: goodSignature })) },
  // claims
  { name: 'role claim with SQL', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: "service'; drop table books; --" }))) },
  { name: 'role claim with a space', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'ad min' }))) },
  { name: 'role claim with a dot', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'public.admin' }))) },
  { name: 'role claim with a quote', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'admin"' }))) },
  { name: 'role claim non-ASCII', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'аdmin' }))) },
  { name: 'role claim starting with a digit', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: '1admin' }))) },
  { name: 'role claim empty', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: '' }))) },
  { name: 'role claim 64 characters', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 'r'.repeat(64) }))) },
  { name: 'role claim a number', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: 1 }))) },
  { name: 'role claim a list', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: ['service'] }))) },
  { name: 'role claim an object', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: { name: 'service' } }))) },
  { name: 'role claim null', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ role: null }))) },
  { name: 'user id claim an object', via: hsAuth, headers: bearer(hs256(HS_SECRET, claims({ sub: { id: 1 } }))) },
  // rowgate's own tokens and sessions
  { name: 'refresh token sent as bearer', via: hsAuth, headers: bearer(refreshToken) },
  { name: 'refresh token sent as apikey', via: hsAuth, headers: { apikey: refreshToken } },
  { name: 'rowgate-issued token signed with another secret', via: hsAuth, headers: bearer(hs256(randomSecret(), { ...decodePayload(ownToken) })) },
  { name: 'rowgate token with role changed to service', via: hsAuth, headers: bearer(withPayload(ownToken, { ...decodePayload(ownToken), role: 'service' })) },
  { name: 'rowgate token, expired', via: hsAuth, headers: bearer(hs256(OWN_SECRET, { ...decodePayload(ownToken), iat: now() - 7200, exp: now() - 3600 })), code: 'PGRST303' },
  { name: 'rowgate token for another audience', via: hsAuth, headers: bearer(hs256(OWN_SECRET, { ...decodePayload(ownToken), aud: 'elsewhere' })), code: 'PGRST303' },
  { name: 'rowgate token without session_id', via: hsAuth, headers: bearer(hs256(OWN_SECRET, { ...decodePayload(ownToken), session_id: undefined })) },
  { name: 'rowgate-issued token when no jwtSecret is set', via: rsAuth, headers: bearer(ownToken) },
  { name: 'external token when only own tokens are accepted', via: ownOnlyAuth, headers: bearer(hs256(HS_SECRET, claims())) },
  // API keys
  { name: 'anon key one character off', via: hsAuth, headers: { apikey: oneOff(ANON_KEYS[0]) } },
  { name: 'service key one character off', via: hsAuth, headers: { apikey: oneOff(SERVICE_KEY) } },
  { name: 'service key in upper case', via: hsAuth, headers: { apikey: SERVICE_KEY.toUpperCase() } },
  { name: 'service key with a trailing space', via: hsAuth, headers: { apikey: `${SERVICE_KEY} ` } },
  { name: 'service key prefix', via: hsAuth, headers: { apikey: SERVICE_KEY.slice(0, 16) } },
  { name: 'service key one character off, as bearer', via: hsAuth, headers: bearer(oneOff(SERVICE_KEY)) },
  { name: 'empty apikey', via: hsAuth, headers: { apikey: '' } },
  { name: 'apikey sent twice', via: hsAuth, headers: { apikey: [ANON_KEYS[0], SERVICE_KEY] } as unknown as IncomingHttpHeaders },
  { name: 'two keys joined in one apikey', via: hsAuth, headers: { apikey: `${ANON_KEYS[0]}, ${SERVICE_KEY}` } },
  { name: 'huge apikey', via: hsAuth, headers: { apikey: 'k'.repeat(10_000) } },
  { name: 'valid token with a bad apikey beside it', via: hsAuth, headers: { apikey: oneOff(ANON_KEYS[0]), ...bearer(good) } },
  { name: 'service key as bearer with a bad apikey beside it', via: hsAuth, headers: { apikey: 'nope-nope-nope-nope', ...bearer(SERVICE_KEY) } },
  // the Authorization header itself
  { name: 'Basic scheme', via: hsAuth, headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }, kind: 'invalid_request' },
  { name: 'Token scheme', via: hsAuth, headers: { authorization: `Token ${good}` }, kind: 'invalid_request' },
  { name: 'token with no scheme', via: hsAuth, headers: { authorization: good }, kind: 'invalid_request' },
  { name: 'Bearer with nothing after it', via: hsAuth, headers: { authorization: 'Bearer' }, kind: 'invalid_request' },
  { name: 'Bearer and a space', via: hsAuth, headers: { authorization: 'Bearer ' }, kind: 'invalid_request' },
  { name: 'empty Authorization header', via: hsAuth, headers: { authorization: '' }, kind: 'invalid_request' },
  { name: 'two bearer tokens in one header', via: hsAuth, headers: { authorization: `Bearer ${good}, Bearer ${SERVICE_KEY}` }, kind: 'invalid_request' },
  { name: 'two Authorization headers', via: hsAuth, headers: { authorization: [`Bearer ${good}`, `Bearer ${SERVICE_KEY}`] } as unknown as IncomingHttpHeaders, kind: 'invalid_request' },
  { name: 'newline inside the token', via: hsAuth, headers: { authorization: `Bearer ${goodHeader}.\n${goodPayload}.${goodSignature}` }, kind: 'invalid_request' },
  { name: 'Bearer with a tab', via: hsAuth, headers: { authorization: `Bearer\t${good}` }, kind: 'invalid_request' },
  { name: 'huge Authorization header', via: hsAuth, headers: { authorization: `Bearer ${'a'.repeat(100_000)}` } },
];

describe('hostile and malformed credentials -> 401 with WWW-Authenticate', () => {
  it(`has at least 40 cases (${hostile.length})`, () => {
    expect(hostile.length).toBeGreaterThanOrEqual(40);
    expect(new Set(hostile.map((h) => h.name)).size).toBe(hostile.length);
  });

  for (const h of hostile) {
    it(h.name, async () => {
      const secrets = [HS_SECRET, OWN_SECRET, SERVICE_KEY, ...ANON_KEYS];
      const sent = [h.headers.authorization, h.headers.apikey].flat().filter((s): s is string => typeof s === 'string');
      // The token (or its signature) is never echoed.
      for (const s of sent) secrets.push(s.replace(/^Bearer /i, ''), s.split('.').pop() ?? '');
      await expectRefused(h.via.authenticate(h.headers), secrets, { code: h.code, kind: h.kind });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Rules in isolation.

describe('rules', () => {
  afterEach(() => vi.useRealTimers());

  it('a huge token is refused without being parsed', async () => {
    const e = await expectRefused(hsAuth.authenticate(bearer(huge)), []);
    expect(e.message).toBe('JWT is too long');
  });

  it('distinguishes expired (PGRST303) from a bad signature (PGRST301), and only for authentic tokens', async () => {
    const expired = hs256(HS_SECRET, claims({ exp: now() - 3600 }));
    await expectRefused(hsAuth.authenticate(bearer(expired)), [], { code: 'PGRST303' });
    // Expired and forged: the signature is checked first, so nothing about the claims leaks.
    const forged = hs256(randomSecret(), claims({ exp: now() - 3600 }));
    const e = await expectRefused(hsAuth.authenticate(bearer(forged)), [], { code: 'PGRST301' });
    expect(e.message).toBe('JWT signature does not match');
  });

  it('messages say what is wrong in general terms', async () => {
    const msg = async (via: Authenticator, headers: IncomingHttpHeaders) => (await expectRefused(via.authenticate(headers), [])).message;
    expect(await msg(hsAuth, { apikey: 'x'.repeat(20) })).toBe('Invalid API key');
    expect(await msg(hsAuth, bearer(unsigned('none', claims())))).toBe('JWT is malformed');
    expect(await msg(hsAuth, bearer(unsigned('none', claims(), goodSignature)))).toBe('JWT algorithm is not allowed');
    expect(await msg(hsAuth, bearer(hs256(randomSecret(), claims())))).toBe('JWT signature does not match');
    expect(await msg(hsAuth, bearer(hs256(HS_SECRET, claims({ aud: 'x' }))))).toBe('JWT audience is not accepted');
    expect(await msg(hsAuth, bearer(hs256(HS_SECRET, claims({ iss: 'x' }))))).toBe('JWT issuer is not accepted');
    expect(await msg(hsAuth, bearer(hs256(HS_SECRET, claims({ nbf: now() + 999 }))))).toBe('JWT is not yet valid');
    expect(await msg(hsAuth, bearer(hs256(HS_SECRET, claims({ role: 'a b' }))))).toBe('JWT role claim is not a valid role name');
    expect(await msg(jwksAuth, bearer(rs256(rsa.privateKey, claims(), { kid: 'zzz' })))).toBe('No key matches the JWT key id');
    expect(await msg(hsAuth, { authorization: 'Basic abc' })).toBe('The Authorization header must be: Bearer <token>');
    const expired = await expectRefused(hsAuth.authenticate(bearer(hs256(HS_SECRET, claims({ exp: now() - 999 })))), []);
    expect(expired.message).toBe('JWT expired');
    expect(expired.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="JWT expired"');
    expect(expired.toJSON()).toEqual({ code: 'PGRST303', message: 'JWT expired', details: null, hint: expect.any(String) });
  });

  it('role names: the pattern, the mapping', () => {
    expect(roleOf(undefined)).toBe('authenticated');
    expect(roleOf('service_role')).toBe('service');
    expect(roleOf('anon')).toBe('anon');
    expect(roleOf('Admin_2-x')).toBe('Admin_2-x');
    expect(roleOf('r'.repeat(63))).toBe('r'.repeat(63));
    expect(() => roleOf('r'.repeat(64))).toThrow();
    expect(() => roleOf('-x')).toThrow();
    expect(claimAt({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(claimAt({ a: [{ b: 1 }] }, 'a.0.b')).toBeUndefined();
    expect(claimAt({ a: 'x' }, 'a.length')).toBeUndefined();
    expect(claimAt({}, '__proto__')).toBeUndefined();
  });

  it('caches a verified token: the second call returns the same caller', async () => {
    const token = hs256(HS_SECRET, claims({ role: 'admin' }));
    const first = await hsAuth.authenticate(bearer(token));
    const second = await hsAuth.authenticate(bearer(token));
    expect(second).toBe(first);
    const uncached = createAuthenticator({ jwt: { algorithms: ['HS256'], secret: HS_SECRET, ...external } }, null, { cache: false });
    expect(await uncached.authenticate(bearer(token))).not.toBe(await uncached.authenticate(bearer(token)));
  });

  it('a cached token still needs a valid apikey beside it', async () => {
    const token = hs256(HS_SECRET, claims());
    await hsAuth.authenticate({ apikey: ANON_KEYS[0], ...bearer(token) });
    await expectRefused(hsAuth.authenticate({ apikey: oneOff(ANON_KEYS[0]), ...bearer(token) }), [token]);
  });

  it('a cached token stops working when it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = hs256(HS_SECRET, claims({ exp: now() + 60 }));
    expect((await hsAuth.authenticate(bearer(token))).role).toBe('authenticated');
    vi.setSystemTime(Date.now() + 61_000);
    // Past exp but within the leeway: verified again (not served from the cache), still accepted.
    expect((await hsAuth.authenticate(bearer(token))).role).toBe('authenticated');
    vi.setSystemTime(Date.now() + 60_000);
    await expectRefused(hsAuth.authenticate(bearer(token)), [token], { code: 'PGRST303' });
  });

  it('a refused token is not cached: it is refused every time', async () => {
    const token = hs256(HS_SECRET, claims({ nbf: now() + 90 }));
    await expectRefused(hsAuth.authenticate(bearer(token)), [token], { code: 'PGRST303' });
    await expectRefused(hsAuth.authenticate(bearer(token)), [token], { code: 'PGRST303' });
  });

  it('a verified repeat is fast (cache hit)', async () => {
    const token = rs256(rsa.privateKey, claims());
    await rsAuth.authenticate(bearer(token));
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) await rsAuth.authenticate(bearer(token));
    const perCall = Number(process.hrtime.bigint() - started) / 10_000;
    // An RS256 verification costs tens of microseconds; a map lookup well under one.
    expect(perCall).toBeLessThan(20_000);
  });

  it('the token cache is bounded by entries and by size, oldest first', () => {
    const cache = new TokenCache({ maxEntries: 3, maxChars: 100 });
    const far = Date.now() + 60_000;
    for (const t of ['a', 'b', 'c', 'd']) cache.set(t, { ...ANONYMOUS, role: t }, far);
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')?.role).toBe('d');
    cache.set('x'.repeat(90), ANONYMOUS, far);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    cache.set('z'.repeat(10), ANONYMOUS, far);
    expect(cache.size).toBe(2);
    expect(cache.get('c')).toBeUndefined();
    expect(cache.get('d')).toBeUndefined();
    expect(cache.get('x'.repeat(90))).toBe(ANONYMOUS);
    cache.set('y'.repeat(101), ANONYMOUS, far);
    expect(cache.get('y'.repeat(101))).toBeUndefined();
    cache.set('past', ANONYMOUS, Date.now() - 1);
    expect(cache.get('past')).toBeUndefined();
    cache.set('soon', ANONYMOUS, Date.now() + 1000);
    expect(cache.get('soon', Date.now() + 1001)).toBeUndefined();
  });

  it('API keys: constant-time match against every key, rotation lists', () => {
    const keys = createApiKeys({ anon: ['a'.repeat(16), 'b'.repeat(16)], service: 'c'.repeat(16) });
    expect(keys.match('a'.repeat(16))).toBe('anon');
    expect(keys.match('b'.repeat(16))).toBe('anon');
    expect(keys.match('c'.repeat(16))).toBe('service');
    expect(keys.match('c'.repeat(17))).toBeNull();
    expect(keys.match('')).toBeNull();
    expect(createApiKeys(undefined).configured).toBe(false);
  });
});

describe('configuration mistakes stop the server from starting', () => {
  const cases: [string, AuthConfig][] = [
    ['HS256 without a secret', { jwt: { algorithms: ['HS256'] } }],
    ['RS256 without any key', { jwt: { algorithms: ['RS256'], secret: HS_SECRET } }],
    ['an EC key with RS256 only', { jwt: { algorithms: ['RS256'], publicKey: ec.pem } }],
    ['an RSA key with ES256 only', { jwt: { algorithms: ['ES256'], publicKey: rsa.pem } }],
    ['a P-384 key', { jwt: { algorithms: ['ES256'], publicKey: p384.pem } }],
    ['a publicKey that is not PEM', { jwt: { algorithms: ['RS256'], publicKey: 'not a key' } }],
    ['a private key as publicKey', { jwt: { algorithms: ['RS256'], publicKey: 'x' + rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) } }],
    ['a missing jwksFile', { jwt: { algorithms: ['RS256'], jwksFile: join(dir, 'missing.json') } }],
    ['jwksFile and jwksUrl together', { jwt: { algorithms: ['RS256'], jwksFile, jwksUrl: 'https://x.example/jwks' } }],
    ['a jwksUrl that is not http(s)', { jwt: { algorithms: ['RS256'], jwksUrl: 'file:///etc/passwd' } }],
    ['one key both anon and service', { apiKeys: { anon: SERVICE_KEY, service: [SERVICE_KEY] } }],
  ];
  for (const [name, config] of cases) {
    it(name, () => {
      expect(() => createAuthenticator(config, null)).toThrow(ConfigError);
    });
  }

  it('a JWKS file that is not a key set', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ keys: 'nope' }));
    expect(() => createAuthenticator({ jwt: { algorithms: ['RS256'], jwksFile: bad } }, null)).toThrow(ConfigError);
  });
});
