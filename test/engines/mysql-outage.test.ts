/**
 * MySQL/MariaDB going away and coming back, through a fault proxy on loopback (the machine's
 * server is never stopped): readiness fails, requests get a quick 503 with Retry-After instead of
 * hanging, the process survives every dropped connection, and service resumes by itself. A server
 * that stops answering without closing is caught by the driver's watchdog; a slow statement is
 * cancelled by the server at the statement timeout.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { fixtureSql } from '../helpers/engines.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { createMysqlTestDatabase, MYSQL_TEST_HOST, MYSQL_TEST_PORT, mysqlHarness, mysqlTestUrl } from '../helpers/mysql-harness.js';

const reason = await mysqlHarness.unavailable();
if (reason) console.warn(`mysql outage: skipped: ${reason}`);

const REQUEST_TIMEOUT_MS = 3000;

describe.skipIf(reason !== null)('mysql outage and timeouts', () => {
  let db: Awaited<ReturnType<typeof createMysqlTestDatabase>>;
  const closers: (() => Promise<void>)[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);

  beforeAll(async () => {
    db = await createMysqlTestDatabase(`${fixtureSql('mysql', 'conformance')}\nCREATE VIEW slow AS SELECT SLEEP(2) AS x;`);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await db?.drop();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    expect(uncaught).toEqual([]);
  });

  async function serve(port: number, options: { statementTimeoutMs?: number; poolSize?: number } = {}): Promise<RowgateServer> {
    const server = await createServer({
      db: mysqlTestUrl(db.name, port),
      logLevel: 'silent',
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      statementTimeoutMs: options.statementTimeoutMs ?? 1000,
      poolSize: options.poolSize ?? 3,
    });
    closers.push(() => server.close());
    return server;
  }

  const get = async (server: RowgateServer, url: string) => {
    const started = performance.now();
    const res = await server.app.inject({ method: 'GET', url });
    return { status: res.statusCode, headers: res.headers, body: res.body, ms: performance.now() - started };
  };

  it('answers 503 with Retry-After during the outage and recovers by itself', async () => {
    const proxy = await startFaultProxy(MYSQL_TEST_HOST, MYSQL_TEST_PORT);
    closers.push(() => proxy.close());
    const server = await serve(proxy.port);
    expect((await get(server, '/authors?id=eq.1')).status).toBe(200);
    expect((await get(server, '/_/ready')).status).toBe(200);

    proxy.cut();
    const ready = await get(server, '/_/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBeDefined();
    // More requests than connections at once: each is answered, none waits for the request timeout.
    const during = await Promise.all(Array.from({ length: 8 }, (_, i) => get(server, `/authors?id=eq.${(i % 4) + 1}`)));
    for (const res of during) {
      expect(res.status, res.body).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ code: '08000' });
      expect(res.headers['retry-after']).toBe('5');
      expect(res.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    }
    const write = await server.app.inject({ method: 'POST', url: '/authors', payload: { name: 'x' } });
    expect(write.statusCode, write.body).toBe(503);

    proxy.restore();
    expect((await get(server, '/authors?id=eq.1')).status).toBe(200);
    expect((await get(server, '/_/ready')).status).toBe(200);
    const after = await Promise.all(Array.from({ length: 8 }, () => get(server, '/books?select=id&order=id&limit=1')));
    expect(after.map((r) => r.status)).toEqual(Array(8).fill(200));
    const posted = await server.app.inject({ method: 'POST', url: '/authors', payload: { name: 'after the outage' } });
    expect(posted.statusCode, posted.body).toBe(201);
  });

  it('fails a query in flight with 503 when its connection is cut, and keeps serving', async () => {
    const proxy = await startFaultProxy(MYSQL_TEST_HOST, MYSQL_TEST_PORT);
    closers.push(() => proxy.close());
    const server = await serve(proxy.port, { statementTimeoutMs: 5000 });
    expect((await get(server, '/authors?id=eq.1')).status).toBe(200);
    const slow = get(server, '/slow');
    await new Promise((r) => setTimeout(r, 200));
    proxy.cut();
    const res = await slow;
    expect(res.status, res.body).toBe(503);
    expect(res.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    proxy.restore();
    expect((await get(server, '/authors?id=eq.2')).status).toBe(200);
  });

  it('gives up on a server that stops answering, with 503, and recovers when it answers again', async () => {
    const proxy = await startFreezingProxy(MYSQL_TEST_HOST, MYSQL_TEST_PORT);
    closers.push(() => proxy.close());
    const server = await serve(proxy.port, { statementTimeoutMs: 500 });
    expect((await get(server, '/authors?id=eq.1')).status).toBe(200);
    proxy.freeze();
    const [res, ready] = await Promise.all([get(server, '/authors?id=eq.2'), get(server, '/_/ready')]);
    expect(res.status, res.body).toBe(503);
    expect(res.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    // Readiness answers within its own timeout (2 s) even when no connection answers.
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
    proxy.thaw();
    expect((await get(server, '/authors?id=eq.3')).status).toBe(200);
  });

  it('cannot start while the database is unreachable, and says so', async () => {
    const proxy = await startFaultProxy(MYSQL_TEST_HOST, MYSQL_TEST_PORT);
    closers.push(() => proxy.close());
    proxy.cut();
    await expect(createServer({ db: mysqlTestUrl(db.name, proxy.port), logLevel: 'silent', requestTimeoutMs: 1000 })).rejects.toThrow();
  });

  it('cancels a statement that runs past the statement timeout: 504 57014, and the connection is reused', async () => {
    const server = await serve(MYSQL_TEST_PORT, { statementTimeoutMs: 200, poolSize: 1 });
    const res = await get(server, '/slow');
    expect(res.status, res.body).toBe(504);
    expect(JSON.parse(res.body)).toMatchObject({ code: '57014' });
    expect(res.ms).toBeLessThan(1500);
    expect((await get(server, '/authors?id=eq.1')).status).toBe(200);
  });

  it('survives its connections being killed on the server', async () => {
    const server = await serve(MYSQL_TEST_PORT, { poolSize: 2 });
    await Promise.all([get(server, '/authors'), get(server, '/books')]);
    const ids = await db.query(`select id from information_schema.processlist where db = '${db.name}' and id <> connection_id()`);
    for (const { id } of ids) await db.query(`kill connection ${Number(id)}`).catch(() => {});
    expect(ids.length).toBe(2);
    // No pause: a request may take a killed connection before the pool hears of it, and is then
    // retried once on a fresh one, since its first statement never reached the database.
    const after = await Promise.all(Array.from({ length: 4 }, () => get(server, '/authors?id=eq.1')));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const write = await server.app.inject({ method: 'POST', url: '/authors', payload: { name: 'after a kill' } });
    expect(write.statusCode, write.body).toBe(201);
  });
});

/** A proxy that can stop forwarding without closing anything: a server that hangs. */
async function startFreezingProxy(host: string, port: number) {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
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
      sockets.delete(client);
      sockets.delete(upstream);
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
      for (const write of held.splice(0)) write();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
