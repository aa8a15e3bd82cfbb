/**
 * External tokens whose keys come from a JWKS URL (a node:http server on 127.0.0.1): fetched once
 * and cached, an unknown kid refused without a fetch storm, key rotation picked up, and a key
 * server that is down or serves nothing usable giving 401s rather than errors or hangs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../src/auth/tokens/authenticator.js';
import { REMOTE_JWKS_OPTIONS } from '../../src/auth/tokens/external-jwt.js';
import { AUDIENCE, claims, ecPair, es256, expectRefused, ISSUER, rs256, rsaPair, type Json } from './tokens-kit.js';

const first = rsaPair();
const second = rsaPair();
const ec = ecPair();

let server: Server;
let base = '';
let fetches = 0;
/** What the key server answers: a key set, a status, or silence. */
let answer: { keys: Json[] } | number | 'hang' = { keys: [] };

beforeAll(async () => {
  server = createServer((req, res) => {
    fetches++;
    if (answer === 'hang') return; // never answers: the client's timeout must end it
    if (typeof answer === 'number') {
      res.statusCode = answer;
      res.end('{}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  fetches = 0;
  answer = { keys: [first.jwk({ kid: 'k1', alg: 'RS256', use: 'sig' }), ec.jwk({ kid: 'e1', alg: 'ES256' })] };
});

/** A fresh authenticator per test, so each starts with an empty key cache. */
const authenticator = (path = '/jwks') =>
  createAuthenticator({ jwt: { algorithms: ['RS256', 'ES256'], jwksUrl: `${base}${path}`, issuer: ISSUER, audience: AUDIENCE } }, null);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('JWKS from a URL', () => {
  it('verifies RS256 and ES256 tokens by kid, fetching the key set once', async () => {
    const auth = authenticator();
    for (let i = 0; i < 5; i++) {
      expect((await auth.authenticate(bearer(rs256(first.privateKey, claims({ n: i }), { kid: 'k1' })))).userId).toBe('user-42');
      expect((await auth.authenticate(bearer(es256(ec.privateKey, claims({ n: i, role: 'manager' }), { kid: 'e1' })))).role).toBe('manager');
    }
    expect(fetches).toBe(1);
  });

  it('refuses an unknown kid with a 401, refetching at most once within the cooldown', async () => {
    const auth = authenticator();
    await auth.authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' })));
    for (let i = 0; i < 20; i++) {
      await expectRefused(auth.authenticate(bearer(rs256(first.privateKey, claims(), { kid: `unknown-${i}` }))), []);
    }
    expect(fetches).toBeLessThanOrEqual(2);
  });

  it('a rotated-in key is picked up once the cooldown has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const auth = authenticator();
      expect((await auth.authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' })))).role).toBe('authenticated');
      answer = { keys: [first.jwk({ kid: 'k1', alg: 'RS256' }), second.jwk({ kid: 'k2', alg: 'RS256' })] };
      // Within the cooldown the new kid is unknown, and no refetch is made.
      await expectRefused(auth.authenticate(bearer(rs256(second.privateKey, claims(), { kid: 'k2' }))), []);
      expect(fetches).toBe(1);
      vi.setSystemTime(Date.now() + REMOTE_JWKS_OPTIONS.cooldownDuration + 1_000);
      expect((await auth.authenticate(bearer(rs256(second.privateKey, claims(), { kid: 'k2' })))).role).toBe('authenticated');
      expect(fetches).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a token signed by another key under a known kid', async () => {
    await expectRefused(authenticator().authenticate(bearer(rs256(second.privateKey, claims(), { kid: 'k1' }))), [], { code: 'PGRST301' });
  });

  it('an empty key set: 401', async () => {
    answer = { keys: [] };
    const e = await expectRefused(authenticator().authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' }))), []);
    expect(e.message).toBe('No key matches the JWT key id');
  });

  it('a key server answering 500: 401, keys unavailable', async () => {
    answer = 500;
    const e = await expectRefused(authenticator().authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' }))), []);
    expect(e.message).toBe('The JWT signing keys could not be fetched');
  });

  it('a key server serving something that is not a key set: 401', async () => {
    answer = { keys: 'nope' } as unknown as { keys: Json[] };
    await expectRefused(authenticator().authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' }))), []);
  });

  it('a key server that is down: 401', async () => {
    const auth = createAuthenticator({ jwt: { algorithms: ['RS256'], jwksUrl: 'http://127.0.0.1:1/jwks' } }, null);
    const e = await expectRefused(auth.authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' }))), []);
    expect(e.message).toBe('The JWT signing keys could not be fetched');
  });

  it('a key server that never answers: 401 after the timeout', async () => {
    answer = 'hang';
    const started = Date.now();
    const e = await expectRefused(authenticator('/slow').authenticate(bearer(rs256(first.privateKey, claims(), { kid: 'k1' }))), []);
    expect(e.message).toBe('The JWT signing keys could not be fetched');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);

  it('a token without kid is refused when keys come from a JWKS', async () => {
    await expectRefused(authenticator().authenticate(bearer(rs256(first.privateKey, claims()))), []);
    expect(fetches).toBe(0);
  });
});
