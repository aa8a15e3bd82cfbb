/**
 * A Fastify app serving only /auth/v1 (bindAuthRoutes) on a fresh database of one engine, driven
 * with inject(). The accounts tests build their own app rather than going through createServer,
 * so they depend on nothing but the accounts module and the dialects.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuthConfig } from '../../src/auth/auth-config.js';
import { bindAuthRoutes, createAccounts, layoutFor, type Accounts } from '../../src/auth/accounts/index.js';
import type { Dialect } from '../../src/dialect/dialect.js';
import { openDialect } from '../../src/dialect/open-dialect.js';
import type { EngineDatabase, EngineHarness } from '../helpers/engines.js';

export const SECRET = 'test-secret-of-at-least-thirty-two-characters';

export interface AuthResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  body: any;
}

export interface AuthApp {
  readonly app: FastifyInstance;
  readonly accounts: Accounts;
  readonly dialect: Dialect;
  /** Qualified names of the account tables on this engine, for SQL in checks. */
  readonly tables: { users: string; tokens: string };
  call(method: string, url: string, options?: { body?: unknown; token?: string; headers?: Record<string, string>; ip?: string }): Promise<AuthResponse>;
  close(): Promise<void>;
}

/** An app with accounts on `database` (which it does not drop). */
export async function startAuthApp(
  database: EngineDatabase,
  config: Partial<AuthConfig> = {},
  clock?: () => Date,
  /** When given, every log line (Fastify's request logs included, at debug level) is pushed here. */
  logLines?: string[],
): Promise<AuthApp> {
  const dialect = await openDialect(database.url, { statementTimeoutMs: 10_000, requestTimeoutMs: 30_000, poolSize: 10 });
  const accounts = createAccounts(dialect, { secret: SECRET, config: { jwtSecret: SECRET, ...config } as AuthConfig, now: clock });
  const logger = logLines ? { level: 'debug', stream: { write: (line: string) => void logLines.push(line) } } : false;
  const app = Fastify({ logger, bodyLimit: 1024 * 1024 });
  bindAuthRoutes(app, accounts);
  await app.ready();
  const layout = layoutFor(dialect);
  const qualify = (t: string) => (layout.schema ? `${layout.schema}.${t}` : t);
  return {
    app,
    accounts,
    dialect,
    tables: { users: qualify(layout.users), tokens: qualify(layout.tokens) },
    async call(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      let payload: string | undefined;
      if (options.body !== undefined) {
        payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json;charset=UTF-8';
      }
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const res = await app.inject({ method: method as 'GET', url, headers, payload, remoteAddress: options.ip });
      let body: any = undefined;
      try {
        body = res.body === '' ? undefined : JSON.parse(res.body);
      } catch {
        body = undefined;
      }
      return { status: res.statusCode, headers: res.headers, text: res.body, body };
    },
    async close() {
      await app.close();
      await dialect.driver.close();
    },
  };
}

/** Skip reason for an engine, or null. */
export async function unavailable(engine: EngineHarness): Promise<string | null> {
  return engine.unavailable();
}
