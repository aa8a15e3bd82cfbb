/**
 * The engines a suite runs on, each able to make a fresh database from its copy of a fixture and
 * to query it for checks. `DIALECTS=sqlite,postgres` narrows a run; an engine whose server does
 * not answer is skipped with the reason printed, never silently.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShopDemoSqlite } from '../../src/demo/shop-sqlite.js';

export type EngineName = 'sqlite' | 'postgres' | 'mysql';

export interface EngineDatabase {
  /** The URL rowgate is given (`--db`). */
  readonly url: string;
  /** Runs SQL on a separate connection; numbers come back as JS numbers on every engine. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Removes the database and everything made for it. */
  drop(): Promise<void>;
}

export interface EngineHarness {
  readonly name: EngineName;
  /** Null when the engine can be used here, else why not (printed as the skip reason). */
  unavailable(): Promise<string | null>;
  /** A fresh database holding `test/fixtures/<engine>-<fixture>.sql`. */
  create(fixture: string): Promise<EngineDatabase>;
  /** A fresh database holding the demo shop, built by the engine's own demo builder. */
  createShop?(): Promise<EngineDatabase>;
}

export function fixtureSql(engine: EngineName, fixture: string): string {
  return readFileSync(new URL(`../fixtures/${engine}-${fixture}.sql`, import.meta.url), 'utf8');
}

export const sqliteHarness: EngineHarness = {
  name: 'sqlite',
  unavailable: async () => null,
  async create(fixture) {
    return sqliteDatabase((path) => {
      const setup = new Database(path);
      setup.exec(fixtureSql('sqlite', fixture));
      setup.close();
    });
  },
  async createShop() {
    return sqliteDatabase((path) => createShopDemoSqlite(path));
  },
};

async function sqliteDatabase(build: (path: string) => void): Promise<EngineDatabase> {
  {
    const dir = mkdtempSync(join(tmpdir(), 'rowgate-'));
    const path = join(dir, 'test.db');
    build(path);
    const db = new Database(path);
    return {
      url: `sqlite:${path}`,
      query: async (sql) => {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all() as Record<string, unknown>[];
        statement.run();
        return [];
      },
      drop: async () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

const registry: EngineHarness[] = [sqliteHarness];

/** Engine harnesses register here from their own modules (test/helpers/<engine>-harness.ts). */
export function registerEngine(engine: EngineHarness): void {
  if (!registry.some((e) => e.name === engine.name)) registry.push(engine);
}

/** The engines this run covers: all registered, or those named in DIALECTS. */
export function selectedEngines(): EngineHarness[] {
  const wanted = process.env.DIALECTS?.split(',').map((s) => s.trim()).filter(Boolean);
  return wanted ? registry.filter((e) => wanted.includes(e.name)) : [...registry];
}
