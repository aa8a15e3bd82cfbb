/**
 * Starts rowgate in-process (no port) on a fresh database of one engine, for tests that drive it
 * with injected requests and then look at the rows with their own connection. Requests go to the
 * HTTP server's request listener, as a socket's would: the direct lane first (reads of the data
 * routes), then Fastify (`app.inject()` alone would skip the lane).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject } from 'light-my-request';
import { createServer, type RowgateOptions, type RowgateServer } from '../../src/index.js';
import type { EngineDatabase, EngineHarness } from './engines.js';

export { sqliteHarness } from './engines.js';

export interface TestServer {
  readonly server: RowgateServer;
  readonly database: EngineDatabase;
  request(opts: InjectOptions): Promise<TestResponse>;
  /** SQL on a separate connection, to check rows after a request. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface InjectOptions {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  json(): any;
}

export async function startTestServer(
  engine: EngineHarness,
  options: Partial<RowgateOptions> & { fixture?: string } = {},
): Promise<TestServer> {
  const { fixture = 'conformance', ...rest } = options;
  const database = await engine.create(fixture);
  let server: RowgateServer;
  try {
    server = await createServer({ logLevel: 'silent', ...rest, db: database.url });
  } catch (e) {
    await database.drop();
    throw e;
  }
  return {
    server,
    database,
    query: (sql) => database.query(sql),
    async request({ method = 'GET', url, headers = {}, body }) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const h = { ...headers };
      if (payload !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
      await server.app.ready();
      const listener = server.app.server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
      const res = await inject(listener, { method: method as 'GET', url, headers: h, payload, server: server.app.server });
      return { status: res.statusCode, headers: res.headers, text: res.body, json: () => JSON.parse(res.body) };
    },
    async close() {
      await server.close();
      await database.drop();
    },
  };
}
