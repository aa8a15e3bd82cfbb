/**
 * The `rowgate` command: a thin wrapper over createServer() and the demo builders. Reads the
 * environment (ROWGATE_DB, PORT, HOST), prints what it serves, and owns process signals.
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, ConfigError, type AnonAccess } from '../index.js';
import { parseDatabaseUrl } from '../dialect/open-dialect.js';
import { DatabaseOpenError } from '../dialect/sqlite/sqlite-dialect.js';
import { createShopDemoSqlite } from '../demo/shop-sqlite.js';
import { createWeatherDemoSqlite } from '../demo/weather-sqlite.js';
import { createShopDemoPostgres } from '../demo/shop-postgres.js';
import { createShopDemoMysql } from '../demo/shop-mysql.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';
import { progressReporter } from './progress.js';
import { findConfigFile, loadConfigFile, optionsFromConfig } from '../config-file.js';
import { shopActions, shopHooks } from '../demo/shop-actions.js';
import { openDialect } from '../dialect/open-dialect.js';
import type { Dialect } from '../dialect/dialect.js';
import { isClusterWorker, serveWorkers } from './serve-workers.js';

const VERSION = (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version: string }).version;

/** Where `rowgate serve` keeps the demo shop when no database is named. */
export const DEFAULT_DEMO_PATH = join('.rowgate', 'shop.db');

const program = new Command()
  .name('rowgate')
  .description('Serve a SQL database as a documented, secure, fast REST API (PostgREST grammar).')
  .version(VERSION);

program
  .command('serve')
  .description('serve a database (the demo shop when none is given)')
  .option('--db <url>', 'sqlite:PATH or a .db/.sqlite path (env ROWGATE_DB)')
  .option('--port <n>', 'port to listen on (env PORT)', integer)
  .option('--host <host>', 'address to bind (env HOST)')
  .option('--anon <access>', 'what callers without credentials may do: read, write or none', anonAccess)
  .option('--max-rows <n>', 'most rows one response returns', integer)
  .option('--allow-unfiltered-writes', 'allow PATCH and DELETE without a filter')
  .option('--log-level <level>', 'silent, error, warn, info or debug')
  .option('--config <file>', 'config file (default: rowgate.config.ts/.js/.json in this folder)')
  .option('--schemas <list>', 'PostgreSQL schemas to serve, comma separated; the first is the default', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--workers <n>', 'serve from N processes (Node cluster), restarting any that dies', positiveInteger)
  .action(async (opts: ServeOptions) => (opts.workers !== undefined && !isClusterWorker() ? serveWorkers(opts.workers) : serve(opts)));

program
  .command('demo')
  .description('create and seed a demo database')
  .argument('<name>', 'shop or weather')
  .option('--db <path>', `where to create it (default ${DEFAULT_DEMO_PATH}, or .rowgate/weather.db)`)
  .action(async (name: string, opts: { db?: string }) => {
    if (name !== 'shop' && name !== 'weather') fail(`Unknown demo '${name}'. Available: shop, weather`);
    const db = opts.db ?? (name === 'shop' ? DEFAULT_DEMO_PATH : join('.rowgate', 'weather.db'));
    const target = parseDatabaseUrl(/\.(db|sqlite|sqlite3)$/i.test(db) || db.includes(':') ? db : `sqlite:${db}`);
    if (target.engine === 'postgres' && name === 'shop') {
      await createDemoOn(db, () => createShopDemoPostgres(db, { onProgress: progressReporter() }));
    } else if (target.engine === 'mysql' && name === 'shop') {
      await createDemoOn(db, () => createShopDemoMysql(db, { onProgress: progressReporter() }));
    } else if (target.engine !== 'sqlite') {
      fail(`The ${name} demo on ${target.engine} is not available yet; give a SQLite path${name === 'shop' ? ', a postgres:// or a mysql:// URL' : ''}`);
    } else if (name === 'shop') {
      createDemo(target.location);
    } else {
      createWeather(target.location);
    }
    process.stderr.write(`Serve it with: rowgate serve --db ${target.engine === 'sqlite' ? target.location : db}\n`);
  });

program
  .command('openapi')
  .description('print the OpenAPI 3.1 document of a database')
  .option('--db <url>', 'database URL (env ROWGATE_DB)')
  .option('--out <file>', 'write to a file instead of stdout')
  .action(async (opts: { db?: string; out?: string }) => {
    const url = opts.db ?? process.env.ROWGATE_DB ?? `sqlite:${DEFAULT_DEMO_PATH}`;
    const dialect = await openDialect(url, { statementTimeoutMs: 10_000, requestTimeoutMs: 10_000, poolSize: 1 });
    const text = JSON.stringify(buildOpenApiDocument(await dialect.introspect(1), {}), null, 2) + '\n';
    await dialect.driver.close();
    if (opts.out) writeFileSync(opts.out, text);
    else process.stdout.write(text);
  });

interface ServeOptions {
  db?: string;
  port?: number;
  host?: string;
  anon?: AnonAccess;
  maxRows?: number;
  allowUnfilteredWrites?: boolean;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  config?: string;
  schemas?: string[];
  workers?: number;
}

async function serve(opts: ServeOptions): Promise<void> {
  const configPath = findConfigFile(process.cwd(), opts.config);
  const config = configPath ? await loadConfigFile(configPath) : {};
  let db = opts.db ?? process.env.ROWGATE_DB ?? config.db;
  if (!db) {
    db = `sqlite:${DEFAULT_DEMO_PATH}`;
    if (!existsSync(DEFAULT_DEMO_PATH)) {
      process.stderr.write(`No database given: creating the demo shop at ${DEFAULT_DEMO_PATH} (first run only)\n`);
      createDemo(DEFAULT_DEMO_PATH);
    }
  }
  // The demo shop comes with its actions and hooks unless a config file says otherwise.
  const demo = !configPath && (await isDemoShop(db)) ? { actions: shopActions, hooks: shopHooks } : {};
  const server = await createServer({
    ...optionsFromConfig({ ...demo, ...config }, {
      port: opts.port ?? (process.env.PORT ? integer(process.env.PORT) : undefined),
      host: opts.host ?? process.env.HOST,
      anon: opts.anon,
      maxRows: opts.maxRows,
      allowUnfilteredWrites: opts.allowUnfilteredWrites,
      logLevel: opts.logLevel,
      schemas: opts.schemas,
    }),
    db,
  });
  const url = await server.listen();
  const base = url.replace('[::1]', 'localhost');
  process.stderr.write(
    `rowgate ${VERSION} serving ${db}${configPath ? ` with ${configPath}` : ''}\n` +
      `  API     ${base}/\n` +
      `  Docs    ${base}/_/docs\n` +
      `  Health  ${base}/_/health\n` +
      `  Try     curl '${base}/products?select=id,name,price&order=price.desc&limit=5'\n`,
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${signal}: finishing requests in flight, then exiting\n`);
    // A stuck request must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    server.reload().then(
      (schema) => server.app.log.info({ schemaVersion: schema.version, tables: schema.tables.size }, 'schema reloaded'),
      (e: unknown) => server.app.log.error({ err: e }, 'schema reload failed; still serving the previous schema'),
    );
  });
}

/** A database the demo builder made carries a `_rowgate_demo` marker table, on every engine. */
async function isDemoShop(db: string): Promise<boolean> {
  let dialect: Dialect | undefined;
  try {
    dialect = await openDialect(db, { statementTimeoutMs: 5000, requestTimeoutMs: 5000, poolSize: 1 });
    const marker = await dialect.transaction!((k) => k.selectFrom('_rowgate_demo').select('name').where('name', '=', 'shop').executeTakeFirst(), { readOnly: true });
    return marker !== undefined;
  } catch {
    return false;
  } finally {
    await dialect?.driver.close().catch(() => undefined);
  }
}

function createDemo(path: string): void {
  const started = Date.now();
  try {
    const { tables } = createShopDemoSqlite(path, { onProgress: progressReporter() });
    const summary = Object.entries(tables).map(([t, n]) => `${n} ${t}`).join(', ');
    process.stderr.write(`Created the demo shop at ${path} in ${Date.now() - started} ms: ${summary}\n`);
  } catch (e) {
    fail((e as Error).message);
  }
}

async function createDemoOn(db: string, build: () => Promise<{ tables: Record<string, number> }>): Promise<void> {
  const started = Date.now();
  try {
    const { tables } = await build();
    const summary = Object.entries(tables).map(([t, n]) => `${n} ${t}`).join(', ');
    process.stderr.write(`Created the demo shop in ${parseDatabaseUrl(db).engine} in ${Date.now() - started} ms: ${summary}\n`);
  } catch (e) {
    fail((e as Error).message);
  }
}

function createWeather(path: string): void {
  const started = Date.now();
  try {
    const { tables } = createWeatherDemoSqlite(path, { onProgress: progressReporter() });
    const summary = Object.entries(tables).map(([t, n]) => `${n} ${t}`).join(', ');
    process.stderr.write(`Created the weather demo at ${path} in ${Date.now() - started} ms: ${summary}\n`);
  } catch (e) {
    fail((e as Error).message);
  }
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function anonAccess(value: string): AnonAccess {
  if (value === 'read' || value === 'write' || value === 'none') return value;
  throw new InvalidArgumentError('expected read, write or none');
}

function fail(message: string): never {
  process.stderr.write(`rowgate: ${message}\n`);
  process.exit(1);
}

// `rowgate openapi | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DatabaseOpenError) fail(e.message);
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') fail(`The port is already in use: ${err.message}. Choose another with --port.`);
  fail(err.stack ?? String(e));
});
