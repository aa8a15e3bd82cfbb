/**
 * Login limits shared through Redis (`auth.rateLimit.redis`): two rowgate servers on one database
 * count against one budget, as `--workers` processes or several hosts would; with Redis away, each
 * process still limits on its own. Runs against the Redis on 127.0.0.1:6379 (skipped, with the
 * reason, when it does not answer).
 */
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { sqliteHarness, type EngineDatabase } from '../helpers/engines.js';

const REDIS = process.env.ROWGATE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function redisUnavailable(): Promise<string | null> {
  const { hostname, port } = new URL(REDIS);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) || 6379 });
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG') ? null : `unexpected answer from ${REDIS}`);
    });
    socket.on('error', (e) => resolve(`${REDIS} does not answer (${e.message})`));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(`${REDIS} does not answer`);
    });
  });
}

const reason = await redisUnavailable();
if (reason) console.warn(`rate limits in Redis: skipping: ${reason}`);

const SECRET = 'redis-limit-secret-0123456789-abcdefghij';

describe.skipIf(reason !== null)('login limits shared through Redis', () => {
  let database: EngineDatabase;
  const servers: RowgateServer[] = [];
  const email = `brute-${randomBytes(4).toString('hex')}@example.org`;

  const start = (redis: string) =>
    createServer({
      db: database.url,
      logLevel: 'silent',
      auth: { jwtSecret: SECRET, rateLimit: { perAccount: { max: 4, windowSeconds: 60 }, perIp: { max: 1000, windowSeconds: 60 }, redis } },
    }).then((s) => (servers.push(s), s));
  const login = (s: RowgateServer, password: string) =>
    s.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password }) });

  beforeAll(async () => {
    database = await sqliteHarness.createShop!();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await database?.drop();
  });

  it('two servers count one budget: the fifth failure anywhere is 429', async () => {
    const [a, b] = [await start(REDIS), await start(REDIS)];
    const signup = await a.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: 'the right passphrase' }) });
    expect(signup.statusCode).toBe(200);
    // Four failures, alternating servers: each server alone has seen only two.
    for (const s of [a, b, a, b]) expect((await login(s, 'wrong')).statusCode).toBe(400);
    for (const s of [a, b]) {
      const limited = await login(s, 'the right passphrase');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(limited.body).error_code).toBe('over_request_rate_limit');
    }
  });

  it('still limits in each process when Redis cannot be reached', async () => {
    const away = await start('redis://127.0.0.1:1');
    const other = `${randomBytes(4).toString('hex')}-${email}`;
    const attempt = () =>
      away.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: other, password: 'wrong' }) });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt()).statusCode);
    expect(statuses).toEqual([400, 400, 400, 400, 429, 429]);
  });
});
