/**
 * The PostgreSQL test engine: each `create()` makes a database of its own (`rowgate_t_<random>`)
 * holding `test/fixtures/postgres-<fixture>.sql`, and `drop()` removes it with its connections.
 * It never touches another database. The server is ROWGATE_TEST_POSTGRES (default: postgres on
 * 127.0.0.1:5432, trust auth); when it does not answer, suites are skipped with the reason.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createShopDemoPostgres } from '../../src/demo/shop-postgres.js';
import { fixtureSql, registerEngine, type EngineDatabase, type EngineHarness } from './engines.js';

/** The maintenance database URL; test databases are created beside it. */
export const POSTGRES_ADMIN_URL = process.env.ROWGATE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** int8 (count(*)) and numeric arrive as strings from pg; checks compare JS numbers on every engine. */
const NUMBERS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The URL of database `name` on the test server. */
export function postgresUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a fresh random name; `sql` (a fixture or any script) is loaded into it. */
export async function createPostgresDatabase(sql: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `rowgate_t_${randomBytes(6).toString('hex')}`;
  // The name is ours, made of [a-z0-9_]: safe to put in DDL, which takes no parameters.
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const drop = () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined);
  try {
    const setup = new pg.Client({ connectionString: postgresUrl(name) });
    setup.on('error', () => {});
    await setup.connect();
    try {
      await setup.query(sql);
    } finally {
      await setup.end();
    }
  } catch (e) {
    await drop();
    throw e;
  }
  return { name, url: postgresUrl(name), drop };
}

export const postgresHarness: EngineHarness = postgresHarnessWith('');

/** The harness, with `extraSql` run after the fixture (engine tests add views, types, tables). */
export function postgresHarnessWith(extraSql: string): EngineHarness {
  return {
    name: 'postgres',
    unavailable: postgresUnavailable,
    create: (fixture) => createEngineDatabase(`${fixtureSql('postgres', fixture)}\n${extraSql}`),
    async createShop() {
      const database = await createEngineDatabase('');
      await createShopDemoPostgres(database.url);
      return database;
    },
  };
}

/** Null when the test server answers, else why not. */
export async function postgresUnavailable(): Promise<string | null> {
  try {
    await withAdmin((admin) => admin.query('select 1'));
    return null;
  } catch (e) {
    return `PostgreSQL does not answer at ${new URL(POSTGRES_ADMIN_URL).host} (${(e as Error).message}); set ROWGATE_TEST_POSTGRES to use another server`;
  }
}

async function createEngineDatabase(sql: string): Promise<EngineDatabase> {
  const db = await createPostgresDatabase(sql);
  let client: pg.Client | null = null;
  return {
    url: db.url,
    async query(text) {
      if (!client) {
        client = new pg.Client({ connectionString: db.url, types: NUMBERS });
        client.on('error', () => {});
        await client.connect();
      }
      return (await client.query(text)).rows;
    },
    async drop() {
      await client?.end().catch(() => {});
      client = null;
      await db.drop();
    },
  };
}

registerEngine(postgresHarness);
