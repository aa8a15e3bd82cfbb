/**
 * The options of a rowgate server and their defaults, in one place. The CLI and `createServer()`
 * both end here; nothing else reads the environment.
 */
import type { ActionDefinition } from './actions/define-action.js';
import type { TableHooks } from './hooks/table-hooks.js';
import type { AuthConfig, CorsConfig, RulesConfig } from './auth/auth-config.js';

export type AnonAccess = 'write' | 'read' | 'none';

export interface RowgateOptions {
  /** Database URL: `sqlite:PATH` or a bare path ending in .db/.sqlite/.sqlite3. */
  readonly db: string;
  readonly host?: string;
  readonly port?: number;
  /** What requests without credentials may do. Defaults to `write` on loopback; required elsewhere. */
  readonly anon?: AnonAccess;
  /** At most this many rows per response; a larger `limit` is clamped. Default 1,000. */
  readonly maxRows?: number;
  /** Embeddings nested deeper than this are refused (400). Default 4. */
  readonly maxEmbedDepth?: number;
  /** Largest request body in bytes; larger gets 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** A request that has not been answered by then gets 504. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** A statement running longer is cancelled (504). Default 10 s. */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL schemas to serve, chosen per request with Accept-Profile/Content-Profile; the first is the default. Default ['public']. */
  readonly schemas?: readonly string[];
  /** Connections in the pool of a server engine (PostgreSQL, MySQL). Default 10. */
  readonly poolSize?: number;
  /** Allow PATCH/DELETE without any filter (they change every row). Default false. */
  readonly allowUnfilteredWrites?: boolean;
  /** `false` silences the request log; a pino level name narrows it. Default 'info'. */
  readonly logLevel?: 'silent' | 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** Where log lines go (default stdout). */
  readonly logStream?: NodeJS.WritableStream;
  /** Title of the OpenAPI document. */
  readonly title?: string;
  /** PostgreSQL behind a pooler in transaction mode (PgBouncer): every statement in a transaction that sets rowgate's settings LOCAL. Default false. */
  readonly postgresTransactionPooler?: boolean;
  /** SQLite: processes that run reads which may be long, so they can be stopped (docs/engine-sqlite.md). 0 keeps every read in this process. Default 2. */
  readonly sqliteReadWorkers?: number;
  /** Time each pipeline stage in a `Server-Timing` header. Default: only at log level debug. */
  readonly serverTiming?: boolean;
  /** Your actions, served at /rpc/<name>. */
  readonly actions?: readonly ActionDefinition<any, any>[];
  /** Table hooks by table name. */
  readonly hooks?: Readonly<Record<string, TableHooks>>;
  /** Accounts, tokens and API keys; with it, `rules` decide what each role may do. */
  readonly auth?: AuthConfig;
  /** Per table and operation, what each role may do (see docs/auth.md). */
  readonly rules?: RulesConfig;
  /** Cross-origin requests from browsers. */
  readonly cors?: CorsConfig;
}

export type ResolvedOptions = Required<Omit<RowgateOptions, 'logStream' | 'anon' | 'actions' | 'hooks' | 'schemas' | 'auth' | 'rules' | 'cors' | 'sqliteReadWorkers' | 'postgresTransactionPooler'>> & {
  readonly postgresTransactionPooler: boolean | undefined;
  readonly sqliteReadWorkers: number | undefined;
  readonly auth: AuthConfig | undefined;
  readonly rules: RulesConfig | undefined;
  readonly cors: CorsConfig | undefined;
  readonly schemas: readonly string[] | undefined;
  readonly anon: AnonAccess;
  readonly logStream: NodeJS.WritableStream | undefined;
  readonly actions: ReadonlyMap<string, ActionDefinition<any, any>>;
  readonly hooks: Readonly<Record<string, TableHooks>>;
};

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3000,
  maxRows: 1000,
  maxEmbedDepth: 4,
  bodyLimit: 1024 * 1024,
  requestTimeoutMs: 30_000,
  statementTimeoutMs: 10_000,
  poolSize: 10,
  allowUnfilteredWrites: false,
  logLevel: 'info',
  title: 'rowgate',
} as const;

/** Thrown for options that must stop the server from starting; the message says why and what to do. */
export class ConfigError extends Error {}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function resolveOptions(options: RowgateOptions): ResolvedOptions {
  const host = options.host ?? DEFAULTS.host;
  if (!isLoopback(host) && options.anon === undefined && options.auth === undefined) {
    throw new ConfigError(
      `Refusing to listen on ${host} with no auth configured: anyone who can reach it could read and change every row. ` +
        `Bind to 127.0.0.1, or choose what anonymous callers may do with --anon read|write|none.`,
    );
  }
  // rowgate's own accounts live in the `rowgate` schema on PostgreSQL: serving it would serve password hashes.
  if (options.schemas?.some((s) => s.toLowerCase() === 'rowgate')) {
    throw new ConfigError(`The schema 'rowgate' holds rowgate's own accounts and cannot be served`);
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
    return v;
  };
  return {
    db: options.db,
    host,
    port: options.port ?? DEFAULTS.port,
    anon: options.anon ?? 'write',
    maxRows: positive('maxRows', options.maxRows, DEFAULTS.maxRows),
    maxEmbedDepth: positive('maxEmbedDepth', options.maxEmbedDepth, DEFAULTS.maxEmbedDepth),
    bodyLimit: positive('bodyLimit', options.bodyLimit, DEFAULTS.bodyLimit),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, DEFAULTS.requestTimeoutMs),
    statementTimeoutMs: positive('statementTimeoutMs', options.statementTimeoutMs, DEFAULTS.statementTimeoutMs),
    poolSize: positive('poolSize', options.poolSize, DEFAULTS.poolSize),
    schemas: options.schemas,
    allowUnfilteredWrites: options.allowUnfilteredWrites ?? DEFAULTS.allowUnfilteredWrites,
    logLevel: options.logLevel ?? DEFAULTS.logLevel,
    logStream: options.logStream,
    title: options.title ?? DEFAULTS.title,
    serverTiming: options.serverTiming ?? (options.logLevel ?? DEFAULTS.logLevel) === 'debug',
    actions: new Map((options.actions ?? []).map((a) => [a.name, a])),
    hooks: options.hooks ?? {},
    // The secret may come from the environment, so it never has to sit in a config file.
    sqliteReadWorkers: options.sqliteReadWorkers,
    postgresTransactionPooler: options.postgresTransactionPooler,
    auth: options.auth && !options.auth.jwtSecret && process.env.ROWGATE_JWT_SECRET ? { ...options.auth, jwtSecret: process.env.ROWGATE_JWT_SECRET } : options.auth,
    rules: options.rules,
    cors: options.cors,
  };
}
