/**
 * Stored results of POSTs sent with an `Idempotency-Key`, in rowgate's own table: a retry with the
 * same key gets the first answer and never runs the action twice. The record is written in the
 * action's own transaction, so it exists exactly when the action's effects do.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect/dialect.js';

const TABLE = '_rowgate_idempotency';

export interface StoredResult {
  readonly requestHash: string;
  readonly body: string;
}

export interface IdempotencyStore {
  find(db: Kysely<any>, key: string): Promise<StoredResult | null>;
  save(db: Kysely<any>, key: string, action: string, requestHash: string, body: string): Promise<void>;
}

const stores = new WeakMap<Dialect, Promise<IdempotencyStore>>();

/** The store for a database, its table created on first use (outside any action's transaction). */
export function idempotencyStore(dialect: Dialect): Promise<IdempotencyStore> {
  let store = stores.get(dialect);
  if (!store) {
    store = create(dialect);
    stores.set(dialect, store);
    store.catch(() => stores.delete(dialect));
  }
  return store;
}

async function create(dialect: Dialect): Promise<IdempotencyStore> {
  await dialect.transaction!(async (db) => {
    await db.schema
      .createTable(TABLE)
      .ifNotExists()
      .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('action', 'varchar(255)', (c) => c.notNull())
      .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  }, {});
  return {
    async find(db, key) {
      const row = await db.selectFrom(TABLE).select(['request_hash', 'body']).where('key', '=', key).executeTakeFirst();
      return row ? { requestHash: String(row.request_hash), body: String(row.body) } : null;
    },
    async save(db, key, action, requestHash, body) {
      await db
        .insertInto(TABLE)
        .values({ key, action, request_hash: requestHash, body, created_at: new Date().toISOString() })
        .execute();
    },
  };
}

