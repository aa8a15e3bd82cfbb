/**
 * The direct lane (src/server/direct-lane.ts) answers reads of the data routes without Fastify.
 * It must answer byte for byte as Fastify's data route does: every GET and HEAD of the
 * conformance cases, and more, is sent both ways on every engine and the answers compared —
 * status, headers (but the connection's own) and body. A counting hook proves which path served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPathStart } from '../../src/server/direct-lane.js';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { readCases } from '../conformance/read-cases.js';
import { embedCases } from '../conformance/embed-cases.js';
import { writeCases } from '../conformance/write-cases.js';

describe('which URLs the lane takes', () => {
  it.each([
    ['/books', 0],
    ['/books?id=eq.1&select=id,title', 0],
    ['/books/1', 0],
    ['/order_items/7,3', 0],
    ['/rpc/add_them?a=1', 0],
    ['/rest/v1/books', 8],
    ['/rest/v1/books/1?select=id', 8],
    ['/authors?name=eq./a/b%20c', 0],
    ['/restaurants', 0],
    ['/authors2', 0],
  ])('takes %s (table name at %i)', (url, start) => {
    expect(dataPathStart(url)).toBe(start);
  });

  it.each([
    '/', '/?select=x', '/rest/v1', '/rest/v1/', '/_/health', '/_/docs', '/_', '/auth/v1/token', '/auth', '/rest/v2/x', '/rest',
    '/books/', '/books//1', '//books', '/a/b/c', '/b%6Foks', '/books#x', '/books;x', 'books', 'http://h/books', '',
    `/${'x'.repeat(1100)}`,
  ])('leaves %.40s to Fastify', (url) => {
    expect(dataPathStart(url)).toBe(-1);
  });
});

interface Request {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly payload?: string;
}

const CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

const extraRequests: Request[] = [
  { method: 'GET', url: '/books/1' },
  { method: 'GET', url: '/books/999' },
  { method: 'GET', url: '/books/x' },
  { method: 'HEAD', url: '/books/1' },
  { method: 'HEAD', url: '/books?select=id&order=id' },
  { method: 'HEAD', url: '/nosuch' },
  { method: 'GET', url: '/rest/v1/books?select=id,title&order=id&limit=2' },
  { method: 'GET', url: '/books?select=id&order=id', headers: { prefer: 'count=exact' } },
  { method: 'GET', url: '/books?select=id&order=id', headers: { range: '2-' } },
  { method: 'GET', url: '/books?select=id&order=id', headers: { range: '9-3' } },
  { method: 'GET', url: '/books?id=eq.1', headers: { accept: 'application/vnd.pgrst.object+json' } },
  { method: 'GET', url: '/books?id=lt.3', headers: { accept: 'application/vnd.pgrst.object+json' } },
  { method: 'GET', url: '/books?select=id,title&order=id', headers: { accept: 'text/csv' } },
  { method: 'GET', url: '/books?select=id,title&order=id', headers: { accept: 'application/x-ndjson' } },
  { method: 'GET', url: '/books', headers: { accept: 'image/png' } },
  { method: 'GET', url: '/books?select=titel' },
  { method: 'GET', url: '/books?price=gt.abc' },
  { method: 'GET', url: '/books?or=(id.eq.1' },
  { method: 'GET', url: '/nosuch' },
  { method: 'GET', url: '/rpc/nosuch' },
  { method: 'GET', url: '/books?select=id', headers: { 'accept-profile': 'nosuch' } },
  { method: 'GET', url: '/books?select=id&limit=1', headers: { 'x-request-id': 'abc' } },
];

for (const engine of selectedEngines()) {
  const reason = await engine.unavailable();
  describe.skipIf(reason !== null)(`${engine.name}: the lane answers as Fastify does`, () => {
    let server: TestServer;
    let embedServer: TestServer;
    const viaFastify = { count: 0 };
    const viaFastifyEmbed = { count: 0 };

    beforeAll(async () => {
      server = await startTestServer(engine);
      embedServer = await startTestServer(engine, { fixture: 'embedding' });
      server.server.app.addHook('onRequest', async () => void viaFastify.count++);
      embedServer.server.app.addHook('onRequest', async () => void viaFastifyEmbed.count++);
    });
    afterAll(async () => {
      await server?.close();
      await embedServer?.close();
    });

    const requestsOf = (cases: typeof readCases): Request[] =>
      cases
        .filter((c) => (c.method ?? 'GET') === 'GET' || c.method === 'HEAD')
        .filter((c) => !c.engines || c.engines.includes(engine.name))
        .map((c) => ({ method: c.method ?? 'GET', url: c.url, ...(c.headers ? { headers: lowerCased(c.headers) } : {}) }));

    it('every read of the conformance cases and the extra requests', async () => {
      const compared = await compareAll(server, viaFastify, [...requestsOf(readCases), ...extraRequests]);
      expect(compared).toBeGreaterThan(100);
    });

    it('every read of the embedding cases', async () => {
      const compared = await compareAll(embedServer, viaFastifyEmbed, requestsOf(embedCases));
      expect(compared).toBeGreaterThan(25);
    });

    it('leaves a read with a body, chunked bodies, OPTIONS, a trailing slash or an operations path to Fastify', async () => {
      const requests: Request[] = [
        { method: 'GET', url: '/books/' },
        { method: 'GET', url: '/_/health' },
        { method: 'GET', url: '/books?select=id', headers: { 'content-type': 'application/json' }, payload: '{}' },
        { method: 'POST', url: '/authors', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, payload: '{"name":"x"}' },
        { method: 'POST', url: '/authors', headers: { 'content-type': 'application/json', 'content-length': '5000000' } },
        { method: 'OPTIONS', url: '/books' },
        { method: 'POST', url: '/authors', headers: { 'content-type': 'application /json' }, payload: '{"name":"x"}' },
        { method: 'POST', url: '/authors', headers: { 'content-type': 'nonsense' }, payload: '{"name":"x"}' },
      ];
      for (const request of requests) {
        const before = viaFastify.count;
        await viaListener(server, request);
        expect(viaFastify.count, `${request.method} ${request.url}`).toBe(before + 1);
      }
    });

    // Writes are compared on SQLite, where a rolled-back insert leaves no trace (sequences on the
    // server engines move on, so the two paths would be given different ids); every engine's
    // conformance write cases run through the lane all the same.
    it.skipIf(engine.name !== 'sqlite')('every write of the conformance cases, and bodies of every kind, rolled back', async () => {
      const rolledBack = writeCases
        .filter((c) => !c.engines || c.engines.includes(engine.name))
        .map((c) => {
          const headers = lowerCased(c.headers ?? {});
          const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
          if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
          headers.prefer = headers.prefer ? `${headers.prefer},tx=rollback` : 'tx=rollback';
          return { method: c.method ?? 'GET', url: c.url, headers, ...(body !== undefined ? { payload: body } : {}) };
        });
      const json = { 'content-type': 'application/json', prefer: 'tx=rollback,return=representation' };
      const bodies: Request[] = [
        { method: 'POST', url: '/authors?select=name', headers: json, payload: '{"name":"Lane"}' },
        { method: 'POST', url: '/authors?select=name', headers: { ...json, 'content-type': 'text/csv' }, payload: 'name,country\nLane,FR\n' },
        { method: 'POST', url: '/authors', headers: { ...json, 'content-type': 'text/plain' }, payload: 'name=x' },
        { method: 'POST', url: '/authors', headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' },
        { method: 'POST', url: '/authors', headers: { ...json, 'content-type': 'application/json; charset=latin1' }, payload: '{"name":"x"}' },
        { method: 'POST', url: '/authors', headers: { ...json, 'content-type': 'application/json', 'content-length': '0' }, payload: '' },
        { method: 'POST', url: '/authors', headers: { ...json, 'content-type': ' Application/JSON ; charset' }, payload: '{"name":"x"}' },
        { method: 'POST', url: '/authors', headers: { ...json, 'content-type': 'application/json;;a="b' }, payload: '{"name":"x"}' },
        { method: 'POST', url: '/authors', headers: { prefer: 'tx=rollback' } },
        { method: 'PATCH', url: '/authors?id=eq.1', headers: { prefer: 'tx=rollback' } },
        { method: 'PATCH', url: '/authors?id=eq.1&select=name', headers: json, payload: '{"name":"Ünïcødé ✓"}' },
        { method: 'PATCH', url: '/authors/1', headers: json, payload: '{"name":"\ud800"}' },
        { method: 'PUT', url: '/authors/1?select=name', headers: json, payload: '{"id":1,"name":"Put","country":null}' },
        { method: 'DELETE', url: '/authors?id=eq.4&select=name', headers: { prefer: 'tx=rollback,return=representation' } },
        { method: 'DELETE', url: '/authors/4', headers: { prefer: 'tx=rollback', 'content-type': 'application/json' } },
        { method: 'POST', url: '/rpc/nosuch', headers: json, payload: '{}' },
        { method: 'POST', url: '/authors/1', headers: json, payload: '{}' },
      ];
      const before = await server.query('select * from authors order by id');
      const compared = await compareAll(server, viaFastify, [...rolledBack, ...bodies]);
      expect(compared).toBeGreaterThan(60);
      expect(await server.query('select * from authors order by id')).toEqual(before);
    });
  });
}

/** Sends each request through the server's listener (the lane) and through Fastify alone; returns how many matched. */
async function compareAll(server: TestServer, viaFastify: { count: number }, requests: readonly Request[]): Promise<number> {
  let compared = 0;
  for (const request of requests) {
    const before = viaFastify.count;
    const lane = await viaListener(server, request);
    // A few cases are URLs the lane leaves to Fastify (`/books/1/extra`); those are compared all the same.
    if (dataPathStart(request.url) >= 0) expect(viaFastify.count, `${request.method} ${request.url} ${JSON.stringify(request.headers)} ${request.payload} went to Fastify, not the lane`).toBe(before);
    const fastify = await server.server.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers ?? {}, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
    const context = `${request.method} ${request.url} ${JSON.stringify(request.headers ?? {})}`;
    expect(lane.statusCode, context).toBe(fastify.statusCode);
    expect(comparableHeaders(lane.headers), context).toEqual(comparableHeaders(fastify.headers));
    expect(lane.body, context).toBe(fastify.body);
    compared++;
  }
  return compared;
}

async function viaListener(server: TestServer, request: Request) {
  const app = server.server.app;
  await app.ready();
  const listener = app.server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  return inject(listener, { method: request.method as 'GET', url: request.url, headers: request.headers ?? {}, server: app.server, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
}

function comparableHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CONNECTION_HEADERS.has(name)));
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
