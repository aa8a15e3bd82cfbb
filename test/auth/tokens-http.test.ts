/**
 * The authenticator through HTTP, on every engine: hostile credentials on `GET /<table>` get a 401
 * with `WWW-Authenticate` and PostgREST's error body; API keys, external tokens (HS256 secret,
 * RS256 from a JWKS served on 127.0.0.1) and rowgate's own tokens read.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig, RulesConfig } from '../../src/auth/auth-config.js';
import { signAccessToken } from '../../src/auth/session-token.js';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { claims, hs256, now, randomSecret, rs256, rsaPair, unsigned, withPayload, decodePayload, ISSUER, AUDIENCE } from './tokens-kit.js';

const OWN_SECRET = randomSecret();
const HS_SECRET = randomSecret();
const ANON_KEY = `anon-${randomSecret()}`;
const SERVICE_KEY = `service-${randomSecret()}`;
const rsa = rsaPair();
const attacker = rsaPair();

/** A JWKS endpoint on 127.0.0.1 that counts its fetches. */
let jwksServer: Server;
let jwksUrl = '';
let jwksFetches = 0;
beforeAll(async () => {
  jwksServer = createHttpServer((req, res) => {
    jwksFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [rsa.jwk({ kid: 'rsa1', use: 'sig', alg: 'RS256' })] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
});

const auth = (): AuthConfig => ({
  jwtSecret: OWN_SECRET,
  apiKeys: { anon: ANON_KEY, service: [SERVICE_KEY] },
  jwt: { algorithms: ['HS256', 'RS256'], secret: HS_SECRET, jwksUrl, issuer: ISSUER, audience: AUDIENCE },
});
const rules: RulesConfig = { '*': { select: { anon: true, authenticated: true, editor: true } } };

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Hostile credentials, each sent on GET /books. */
function hostile(): [string, Record<string, string>][] {
  const good = hs256(HS_SECRET, claims());
  const [h, p, s] = good.split('.');
  return [
    ['alg none', bearer(unsigned('none', claims(), s))],
    ['alg None', bearer(unsigned('None', claims(), s))],
    ['HS256 signed with the RSA public key', bearer(hs256(rsa.pem, claims({ role: 'service' })))],
    ['RS256 from another key, right kid', bearer(rs256(attacker.privateKey, claims(), { kid: 'rsa1' }))],
    ['unknown kid', bearer(rs256(rsa.privateKey, claims(), { kid: 'nope' }))],
    ['embedded jwk', bearer(rs256(attacker.privateKey, claims(), { kid: 'rsa1', jwk: attacker.jwk({ kid: 'rsa1' }) }))],
    ['expired', bearer(hs256(HS_SECRET, claims({ exp: now() - 600 })))],
    ['not yet valid', bearer(hs256(HS_SECRET, claims({ nbf: now() + 600 })))],
    ['wrong audience', bearer(hs256(HS_SECRET, claims({ aud: 'other' })))],
    ['wrong issuer', bearer(hs256(HS_SECRET, claims({ iss: 'https://evil.example/' })))],
    ['tampered role', bearer(withPayload(good, { ...decodePayload(good), role: 'service' }))],
    ['two parts', bearer(`${h}.${p}`)],
    ['truncated signature', bearer(`${h}.${p}.${s.slice(0, 20)}`)],
    ['role with SQL', bearer(hs256(HS_SECRET, claims({ role: "x'; drop table books; --" })))],
    ['huge token', bearer(hs256(HS_SECRET, claims({ pad: 'x'.repeat(9000) })))],
    ['refresh token as bearer', bearer(Buffer.from(randomSecret(), 'hex').toString('base64url'))],
    ['service key one character off', { apikey: `${SERVICE_KEY.slice(0, -1)}#` }],
    ['empty apikey', { apikey: '' }],
    ['Basic scheme', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['empty bearer', { authorization: 'Bearer ' }],
  ];
}

const CHALLENGE = /^Bearer error="(invalid_token|invalid_request)", error_description="[^"\\]+"$/;

for (const engine of selectedEngines()) {
  const reason = await engine.unavailable();
  if (reason) console.warn(`tokens over HTTP: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`tokens over HTTP (${engine.name})`, () => {
    let t: TestServer;
    let bookCount = 0;
    beforeAll(async () => {
      t = await startTestServer(engine, { fixture: 'conformance', auth: auth(), rules });
      bookCount = Number((await t.query('select count(*) as n from books'))[0].n);
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    for (const [name, headers] of hostile()) {
      it(`401 for ${name}`, async () => {
        const res = await t.request({ url: '/books?select=id', headers });
        expect(res.status, res.text).toBe(401);
        expect(String(res.headers['www-authenticate'])).toMatch(CHALLENGE);
        const body = res.json();
        expect(Object.keys(body).sort()).toEqual(['code', 'details', 'hint', 'message']);
        expect(['PGRST301', 'PGRST303']).toContain(body.code);
        const credential = (headers.authorization ?? headers.apikey ?? '').replace(/^\S+ /, '');
        if (credential.length >= 8) {
          expect(res.text).not.toContain(credential);
          expect(String(res.headers['www-authenticate'])).not.toContain(credential);
        }
      });
    }

    it('no credentials: anon reads', async () => {
      const res = await t.request({ url: '/books?select=id' });
      expect(res.status, res.text).toBe(200);
    });

    it('the service key reads every row, as apikey and as bearer', async () => {
      for (const headers of [{ apikey: SERVICE_KEY }, bearer(SERVICE_KEY)]) {
        const res = await t.request({ url: '/books?select=id', headers });
        expect(res.status, res.text).toBe(200);
        expect(res.json()).toHaveLength(bookCount);
      }
    });

    it('the anon key reads', async () => {
      const res = await t.request({ url: '/books?select=id', headers: { apikey: ANON_KEY } });
      expect(res.status, res.text).toBe(200);
    });

    it('an external HS256 token reads, with the anon apikey beside it (supabase-js)', async () => {
      const res = await t.request({ url: '/books?select=id', headers: { apikey: ANON_KEY, ...bearer(hs256(HS_SECRET, claims())) } });
      expect(res.status, res.text).toBe(200);
      expect(res.json()).toHaveLength(bookCount);
    });

    it('an RS256 token whose key comes from the JWKS URL reads; the key set is fetched once', async () => {
      const before = jwksFetches;
      for (let i = 0; i < 3; i++) {
        const res = await t.request({ url: '/books?select=id', headers: bearer(rs256(rsa.privateKey, claims({ role: 'editor', n: i }), { kid: 'rsa1' })) });
        expect(res.status, res.text).toBe(200);
      }
      expect(jwksFetches - before).toBeLessThanOrEqual(1);
    });

    it('rowgate own access token reads', async () => {
      const token = await signAccessToken(
        OWN_SECRET,
        { sub: '00000000-0000-4000-8000-000000000001', role: 'authenticated', email: 'a@example.com', session_id: 's', app_metadata: {}, user_metadata: {} },
        600,
      );
      const res = await t.request({ url: '/books?select=id', headers: { apikey: ANON_KEY, ...bearer(token) } });
      expect(res.status, res.text).toBe(200);
    });

    it('a signed-in session: the access token reads, its refresh token as bearer is a 401', async () => {
      const signup = await t.request({
        method: 'POST',
        url: '/auth/v1/signup',
        headers: { apikey: ANON_KEY },
        body: { email: `tokens-${engine.name}@example.com`, password: 'correct horse battery' },
      });
      expect(signup.status, signup.text).toBe(200);
      const session = signup.json() as { access_token: string; refresh_token: string; user: { id: string } };
      const ok = await t.request({ url: '/books?select=id', headers: { apikey: ANON_KEY, ...bearer(session.access_token) } });
      expect(ok.status, ok.text).toBe(200);
      const refused = await t.request({ url: '/books?select=id', headers: { apikey: ANON_KEY, ...bearer(session.refresh_token) } });
      expect(refused.status).toBe(401);
      expect(String(refused.headers['www-authenticate'])).toMatch(CHALLENGE);
      expect(refused.text).not.toContain(session.refresh_token);
    });

    it('a valid token for a role without rules reads nothing it is not allowed', async () => {
      const res = await t.request({ url: '/books?select=id', headers: bearer(hs256(HS_SECRET, claims({ role: 'stranger' }))) });
      // Authenticated fine (not a 401); what the role may see is the rules' business.
      expect(res.status).not.toBe(401);
    });
  });
}
