/**
 * Starts rowgate in-process (no port) on a fresh copy of a fixture database, for tests that drive
 * it with `inject()` and then look at the rows with their own connection.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type RowgateOptions, type RowgateServer } from '../../src/index.js';

export interface TestServer {
  readonly server: RowgateServer;
  /** A separate connection to the same file, to check rows after a request. */
  readonly db: Database.Database;
  readonly path: string;
  request(opts: InjectOptions): Promise<TestResponse>;
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

const FIXTURE = new URL('../fixtures/sqlite-fixture.sql', import.meta.url);

/** A fresh database file from SQL (the conformance fixture unless given). */
export function makeSqliteDatabase(sqlText: string = readFileSync(FIXTURE, 'utf8')): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rowgate-'));
  const path = join(dir, 'test.db');
  const db = new Database(path);
  db.exec(sqlText);
  db.close();
  return { path, dir };
}

export async function startTestServer(
  options: Partial<RowgateOptions> & { sql?: string; path?: string } = {},
): Promise<TestServer> {
  const made = options.path ? { path: options.path, dir: null } : makeSqliteDatabase(options.sql);
  const server = await createServer({ logLevel: 'silent', ...options, db: `sqlite:${made.path}` });
  const db = new Database(made.path);
  return {
    server,
    db,
    path: made.path,
    async request({ method = 'GET', url, headers = {}, body }) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const h = { ...headers };
      if (payload !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
      const res = await server.app.inject({ method: method as 'GET', url, headers: h, payload });
      return { status: res.statusCode, headers: res.headers, text: res.body, json: () => JSON.parse(res.body) };
    },
    async close() {
      await server.close();
      db.close();
      if (made.dir) rmSync(made.dir, { recursive: true, force: true });
    },
  };
}
