/**
 * PostgreSQL going away and coming back, through a fault proxy on loopback (the machine's server
 * is never stopped): readiness fails, requests get a quick 503 with Retry-After instead of hanging,
 * the process survives every dropped connection, and service resumes by itself. A server that stops
 * answering without closing (frozen proxy) is caught by the driver's watchdog.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { openPostgresDialect } from '../../src/dialect/postgres/postgres-dialect.js';
import { fixtureSql } from '../helpers/engines.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { createPostgresDatabase, POSTGRES_ADMIN_URL, postgresUnavailable } from '../helpers/postgres-harness.js';

const reason = await postgresUnavailable();
if (reason) console.warn(`postgres outage: skipped: ${reason}`);

const target = new URL(POSTGRES_ADMIN_URL);
const REQUEST_TIMEOUT_MS = 3000;

describe.skipIf(reason !== null)('postgres outage through a fault proxy', () => {
  let db: { name: string; drop: () => Promise<void> };
  let proxy: FaultProxy;
  let server: RowgateServer;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);

  beforeAll(async () => {
    db = await createPostgresDatabase(`${fixtureSql('postgres', 'conformance')}\nCREATE VIEW slow AS SELECT pg_sleep(1)::text AS x;`);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await db?.drop();
  });
  beforeEach(async () => {
    proxy = await startFaultProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(POSTGRES_ADMIN_URL);
    url.port = String(proxy.port);
    url.pathname = `/${db.name}`;
    server = await createServer({ db: url.toString(), logLevel: 'silent', requestTimeoutMs: REQUEST_TIMEOUT_MS, statementTimeoutMs: 2000, poolSize: 3 });
  });
  afterEach(async () => {
    await server?.close();
    await proxy?.close();
    expect(uncaught).toEqual([]);
  });

  const get = async (url: string) => {
    const started = performance.now();
    const res = await server.app.inject({ method: 'GET', url });
    return { status: res.statusCode, headers: res.headers, body: res.body, ms: performance.now() - started };
  };

  it('answers 503 with Retry-After during the outage and recovers by itself', async () => {
    expect((await get('/authors?id=eq.1')).status).toBe(200);
    expect((await get('/_/ready')).status).toBe(200);

    proxy.cut();
    const ready = await get('/_/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBeDefined();
    // More requests than connections at once: each is answered, none waits for the request timeout.
    const during = await Promise.all(Array.from({ length: 8 }, (_, i) => get(`/authors?id=eq.${(i % 4) + 1}`)));
    for (const res of during) {
      expect(res.status, res.body).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ code: '08000' });
      expect(res.headers['retry-after']).toBe('5');
      expect(res.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    }
    const write = await server.app.inject({ method: 'POST', url: '/authors', payload: { name: 'x' } });
    expect(write.statusCode).toBe(503);

    proxy.restore();
    expect((await get('/authors?id=eq.1')).status).toBe(200);
    expect((await get('/_/ready')).status).toBe(200);
    const after = await Promise.all(Array.from({ length: 8 }, () => get('/books?select=id&order=id&limit=1')));
    expect(after.map((r) => r.status)).toEqual(Array(8).fill(200));
  });

  it('fails a query in flight with 503 when its connection is cut, and keeps serving', async () => {
    expect((await get('/authors?id=eq.1')).status).toBe(200);
    const slow = get('/slow');
    await new Promise((r) => setTimeout(r, 200));
    proxy.cut();
    const res = await slow;
    expect(res.status, res.body).toBe(503);
    expect(res.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    proxy.restore();
    expect((await get('/authors?id=eq.2')).status).toBe(200);
  });

  it('cannot start while the database is unreachable, and says so', async () => {
    proxy.cut();
    const url = new URL(POSTGRES_ADMIN_URL);
    url.port = String(proxy.port);
    url.pathname = `/${db.name}`;
    await expect(createServer({ db: url.toString(), logLevel: 'silent', requestTimeoutMs: 1000 })).rejects.toThrow();
    proxy.restore();
  });
});

/** A proxy that can stop forwarding without closing anything: a server that hangs. */
async function startFreezingProxy(host: string, port: number) {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(port, host);
    sockets.add(upstream);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (frozen) held.push(() => to.write(chunk));
        else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const send of held.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(reason !== null)('postgres that stops answering', () => {
  it('gives up on a silent connection after the statement timeout and a grace, then recovers', async () => {
    const db = await createPostgresDatabase(fixtureSql('postgres', 'conformance'));
    const proxy = await startFreezingProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(POSTGRES_ADMIN_URL);
    url.port = String(proxy.port);
    url.pathname = `/${db.name}`;
    const dialect = openPostgresDialect(url.toString(), { statementTimeoutMs: 300, poolSize: 2, connectionTimeoutMs: 500 });
    try {
      const query = { sql: 'select json_build_object(\'n\', count(*))::text from authors', params: [] };
      expect((await dialect.driver.read(query, null)).rows).toEqual(['{"n" : 4}']);

      proxy.freeze();
      const started = performance.now();
      const error = await dialect.driver.read(query, null).then(() => null, (e: unknown) => e);
      const waited = performance.now() - started;
      expect(dialect.translateError(error)).toMatchObject({ kind: 'unavailable' });
      // 300 ms statement timeout + 2 s grace, not the minutes TCP would take.
      expect(waited).toBeGreaterThan(2000);
      expect(waited).toBeLessThan(4000);
      // Readiness gives up sooner: the ping has its own short timeout.
      const ping = performance.now();
      await expect(dialect.driver.ping()).rejects.toThrow();
      expect(performance.now() - ping).toBeLessThan(2500);

      proxy.thaw();
      expect((await dialect.driver.read(query, null)).rows).toEqual(['{"n" : 4}']);
    } finally {
      await dialect.driver.close();
      await proxy.close();
      await db.drop();
    }
  });
});
