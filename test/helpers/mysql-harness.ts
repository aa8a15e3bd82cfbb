/**
 * The MySQL/MariaDB engine for the test suites: each `create()` makes its own database
 * `rowgate_t_<random>` on the server at MYSQL_TEST_HOST:MYSQL_TEST_PORT (127.0.0.1:3306, root),
 * loads the fixture into it and drops it afterwards; it never touches another database.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { createShopDemoMysql } from '../../src/demo/shop-mysql.js';
import { fixtureSql, registerEngine, type EngineDatabase, type EngineHarness } from './engines.js';

export const MYSQL_TEST_HOST = process.env.MYSQL_TEST_HOST ?? '127.0.0.1';
export const MYSQL_TEST_PORT = Number(process.env.MYSQL_TEST_PORT ?? 3306);
export const MYSQL_TEST_USER = process.env.MYSQL_TEST_USER ?? 'root';
const PASSWORD = process.env.MYSQL_TEST_PASSWORD ?? '';

const settings = { host: MYSQL_TEST_HOST, port: MYSQL_TEST_PORT, user: MYSQL_TEST_USER, password: PASSWORD, charset: 'utf8mb4' };

/** A setup connection: several statements per query, so a fixture loads in one call. */
export function mysqlAdminConnection(database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({ ...settings, database, multipleStatements: true, connectTimeout: 2000 });
}

/** `mysql://root@127.0.0.1:3306/<name>`, or through another port (a fault proxy). */
export function mysqlTestUrl(database: string, port = MYSQL_TEST_PORT): string {
  const auth = PASSWORD ? `${encodeURIComponent(MYSQL_TEST_USER)}:${encodeURIComponent(PASSWORD)}` : encodeURIComponent(MYSQL_TEST_USER);
  return `mysql://${auth}@${MYSQL_TEST_HOST}:${port}/${database}`;
}

/** A fresh, empty database for tests that bring their own DDL; `drop()` removes it. */
export async function createMysqlTestDatabase(sqlText = ''): Promise<EngineDatabase & { readonly name: string }> {
  const name = `rowgate_t_${randomBytes(6).toString('hex')}`;
  const admin = await mysqlAdminConnection();
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    if (sqlText.trim() !== '') {
      await admin.changeUser({ database: name });
      await admin.query(sqlText);
    }
  } catch (e) {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => {});
    await admin.end();
    throw e;
  }
  await admin.end();
  // Plain rows for checks: numbers (DECIMAL too) as JS numbers, dates as the server's text.
  const conn = await mysql.createConnection({ ...settings, database: name, decimalNumbers: true, dateStrings: true });
  // Shared test SQL writes ISO timestamps such as '2000-01-01T00:00:00Z'; MariaDB reads them only
  // outside strict mode (dropping the Z), in UTC as rowgate's own sessions do.
  await conn.query("SET SESSION time_zone = '+00:00', sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  return {
    name,
    url: mysqlTestUrl(name),
    async query(sql) {
      const [rows] = await conn.query(sql);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    async drop() {
      await conn.end().catch(() => {});
      const cleanup = await mysqlAdminConnection();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export const mysqlHarness: EngineHarness = {
  name: 'mysql',
  async unavailable() {
    try {
      const conn = await mysqlAdminConnection();
      await conn.end();
      return null;
    } catch (e) {
      return `no MySQL/MariaDB server at ${MYSQL_TEST_HOST}:${MYSQL_TEST_PORT} (${(e as Error).message})`;
    }
  },
  create: (fixture) => createMysqlTestDatabase(fixtureSql('mysql', fixture)),
  async createShop() {
    const db = await createMysqlTestDatabase();
    try {
      await createShopDemoMysql(db.url);
    } catch (e) {
      await db.drop();
      throw e;
    }
    return db;
  },
};

registerEngine(mysqlHarness);
