/**
 * rowgate's account tables and every statement on them, through Kysely on the dialect's
 * transactions (as `actions/idempotency.ts` does), so one code path serves all three engines.
 *
 * Where the tables live:
 * - PostgreSQL: a schema of their own, `rowgate` (`rowgate.users`, `rowgate.refresh_tokens`),
 *   created with `CREATE SCHEMA IF NOT EXISTS`: they never mix with the served schema, and a
 *   database role can be granted or denied them as a whole.
 * - SQLite and MySQL/MariaDB: tables prefixed `_rowgate_auth_` beside the user's tables, which
 *   every introspector already hides from the API. SQLite has no schemas inside one file (an
 *   attached database would be a second file to back up and move with it), and a MySQL "schema"
 *   is a whole database: creating one needs the server-wide CREATE privilege that an application
 *   account rarely has, and would tie rowgate to a second database name.
 *
 * Columns are kept to types every engine shares: ids and timestamps as text (UUIDs; ISO-8601 UTC,
 * which sorts as it reads), JSON as text, flags as integers. A refresh token is stored only as its
 * SHA-256. The tables are created on first use, idempotently (`IF NOT EXISTS`); two processes
 * creating them at once can still collide on PostgreSQL's catalog (a unique violation in pg_type
 * or pg_namespace), so creation is retried: the second attempt finds everything in place.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../../dialect/dialect.js';

export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly appMetadata: Record<string, unknown>;
  readonly userMetadata: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastSignInAt: string | null;
}

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  /** The session, which is also the token's family: every rotation of one login shares it. */
  readonly sessionId: string;
  readonly userId: string;
  /** The token this one replaced; null for the first of a session. */
  readonly parentHash: string | null;
  readonly revoked: boolean;
  /** When it was exchanged for its successor; a token presented again after that is a replay. */
  readonly rotatedAt: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
}

interface Layout {
  /** PostgreSQL's schema for rowgate's tables, or null for prefixed tables. */
  readonly schema: string | null;
  readonly users: string;
  readonly tokens: string;
}

export const TABLE_PREFIX = '_rowgate_auth_';

/** Where the tables go: the dialect's own namespace when it has one, else prefixed tables (see the module comment). */
export function layoutFor(dialect: Pick<Dialect, 'internalNamespace'>): Layout {
  return dialect.internalNamespace
    ? { schema: dialect.internalNamespace, users: 'users', tokens: 'refresh_tokens' }
    : { schema: null, users: `${TABLE_PREFIX}users`, tokens: `${TABLE_PREFIX}refresh_tokens` };
}

const CREATE_ATTEMPTS = 4;

async function createTables(dialect: Dialect, layout: Layout): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dialect.transaction!(async (db) => {
        if (layout.schema) await db.schema.createSchema(layout.schema).ifNotExists().execute();
        const schema = layout.schema ? db.schema.withSchema(layout.schema) : db.schema;
        await schema
          .createTable(layout.users)
          .ifNotExists()
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('email', 'varchar(254)', (c) => c.notNull())
          .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
          .addColumn('app_metadata', 'text', (c) => c.notNull())
          .addColumn('user_metadata', 'text', (c) => c.notNull())
          .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
          .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
          .addColumn('last_sign_in_at', 'varchar(32)')
          .addUniqueConstraint(`${layout.users}_email_key`, ['email'])
          .execute();
        // The primary key leads with user and session, so logout (local and global) and the session
        // check of GET /user are index look-ups; the unique hash is the refresh grant's look-up.
        // Declared inline because MySQL has no CREATE INDEX IF NOT EXISTS.
        await schema
          .createTable(layout.tokens)
          .ifNotExists()
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('session_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('parent_hash', 'varchar(64)')
          .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('rotated_at', 'varchar(32)')
          .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
          .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${layout.tokens}_pkey`, ['user_id', 'session_id', 'token_hash'])
          .addUniqueConstraint(`${layout.tokens}_token_hash_key`, ['token_hash'])
          .addForeignKeyConstraint(`${layout.tokens}_user_id_fkey`, ['user_id'], layout.users, ['id'], (fk) => fk.onDelete('cascade'))
          .execute();
      }, {});
      return;
    } catch (e) {
      if (attempt >= CREATE_ATTEMPTS) throw e;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt + Math.random() * 50));
    }
  }
}

/** Statements on the account tables, inside one transaction the caller holds. */
export class AccountTx {
  constructor(
    /** The transaction itself, unqualified: what the sign-up hook is given for the user's own tables. */
    readonly db: Kysely<any>,
    private readonly layout: Layout,
  ) {}

  private get q(): Kysely<any> {
    return this.layout.schema ? this.db.withSchema(this.layout.schema) : this.db;
  }

  async userByEmail(email: string): Promise<UserRecord | null> {
    const row = await this.q.selectFrom(this.layout.users).selectAll().where('email', '=', email).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async userById(id: string): Promise<UserRecord | null> {
    const row = await this.q.selectFrom(this.layout.users).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async insertUser(user: UserRecord): Promise<void> {
    await this.q
      .insertInto(this.layout.users)
      .values({
        id: user.id,
        email: user.email,
        password_hash: user.passwordHash,
        app_metadata: JSON.stringify(user.appMetadata),
        user_metadata: JSON.stringify(user.userMetadata),
        created_at: user.createdAt,
        updated_at: user.updatedAt,
        last_sign_in_at: user.lastSignInAt,
      })
      .execute();
  }

  async updateUser(
    id: string,
    change: { passwordHash?: string; appMetadata?: Record<string, unknown>; userMetadata?: Record<string, unknown>; lastSignInAt?: string; updatedAt?: string },
  ): Promise<void> {
    const set: Record<string, unknown> = {};
    if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
    if (change.appMetadata !== undefined) set.app_metadata = JSON.stringify(change.appMetadata);
    if (change.userMetadata !== undefined) set.user_metadata = JSON.stringify(change.userMetadata);
    if (change.lastSignInAt !== undefined) set.last_sign_in_at = change.lastSignInAt;
    if (change.updatedAt !== undefined) set.updated_at = change.updatedAt;
    if (Object.keys(set).length === 0) return;
    await this.q.updateTable(this.layout.users).set(set).where('id', '=', id).execute();
  }

  async insertToken(token: Omit<RefreshTokenRecord, 'revoked' | 'rotatedAt'>): Promise<void> {
    await this.q
      .insertInto(this.layout.tokens)
      .values({
        user_id: token.userId,
        session_id: token.sessionId,
        token_hash: token.tokenHash,
        parent_hash: token.parentHash,
        revoked: 0,
        rotated_at: null,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
      })
      .execute();
  }

  async tokenByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = await this.q.selectFrom(this.layout.tokens).selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? toToken(row) : null;
  }

  /**
   * Marks a live token as exchanged, atomically: of two requests presenting the same token at
   * once, exactly one gets true; the other sees a replay.
   */
  async markRotated(token: RefreshTokenRecord, at: string): Promise<boolean> {
    const result = await this.q
      .updateTable(this.layout.tokens)
      .set({ revoked: 1, rotated_at: at })
      .where('user_id', '=', token.userId)
      .where('session_id', '=', token.sessionId)
      .where('token_hash', '=', token.tokenHash)
      .where('revoked', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Revokes every token of one session (its whole family): logout, or a replay detected. */
  async revokeSession(userId: string, sessionId: string): Promise<number> {
    const result = await this.q
      .updateTable(this.layout.tokens)
      .set({ revoked: 1 })
      .where('user_id', '=', userId)
      .where('session_id', '=', sessionId)
      .where('revoked', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Revokes every session of a user, or all but `exceptSession` (logout scope global / others). */
  async revokeUserSessions(userId: string, exceptSession: string | null): Promise<number> {
    let update = this.q.updateTable(this.layout.tokens).set({ revoked: 1 }).where('user_id', '=', userId).where('revoked', '=', 0);
    if (exceptSession !== null) update = update.where('session_id', '<>', exceptSession);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Forgets a user's tokens past their lifetime (kept so far to recognise replays; an expired token
   * is refused anyway). Run at each login, so rows never pile up for an account in use.
   */
  async pruneExpired(userId: string, now: string): Promise<void> {
    await this.q.deleteFrom(this.layout.tokens).where('user_id', '=', userId).where('expires_at', '<=', now).execute();
  }

  /** A session is alive while one of its tokens is unrevoked and unexpired. */
  async sessionAlive(userId: string, sessionId: string, now: string): Promise<boolean> {
    const row = await this.q
      .selectFrom(this.layout.tokens)
      .select('token_hash')
      .where('user_id', '=', userId)
      .where('session_id', '=', sessionId)
      .where('revoked', '=', 0)
      .where('expires_at', '>', now)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}

export interface AccountStore {
  /** Runs `work` in one write transaction (sign-up, token issue and rotation, logout). */
  write<T>(work: (tx: AccountTx) => Promise<T>): Promise<T>;
  /** Runs read-only `work` (login's look-up, GET /user). */
  read<T>(work: (tx: AccountTx) => Promise<T>): Promise<T>;
}

/** The store of a database; its tables are created on the first call that needs them. */
export function createAccountStore(dialect: Dialect): AccountStore {
  if (!dialect.transaction) throw new Error(`Accounts need transactions, which the ${dialect.name} dialect does not offer`);
  const layout = layoutFor(dialect);
  let ready: Promise<void> | undefined;
  const ensure = (): Promise<void> => {
    ready ??= createTables(dialect, layout).catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  return {
    async write(work) {
      await ensure();
      return dialect.transaction!((db) => work(new AccountTx(db, layout)), {});
    },
    async read(work) {
      await ensure();
      return dialect.transaction!((db) => work(new AccountTx(db, layout)), { readOnly: true });
    },
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function json(value: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text(value));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toUser(row: Record<string, unknown>): UserRecord {
  return {
    id: text(row.id),
    email: text(row.email),
    passwordHash: text(row.password_hash),
    appMetadata: json(row.app_metadata),
    userMetadata: json(row.user_metadata),
    createdAt: text(row.created_at),
    updatedAt: text(row.updated_at),
    lastSignInAt: row.last_sign_in_at === null || row.last_sign_in_at === undefined ? null : text(row.last_sign_in_at),
  };
}

function toToken(row: Record<string, unknown>): RefreshTokenRecord {
  return {
    tokenHash: text(row.token_hash),
    sessionId: text(row.session_id),
    userId: text(row.user_id),
    parentHash: row.parent_hash === null || row.parent_hash === undefined ? null : text(row.parent_hash),
    revoked: Number(row.revoked) !== 0,
    rotatedAt: row.rotated_at === null || row.rotated_at === undefined ? null : text(row.rotated_at),
    createdAt: text(row.created_at),
    expiresAt: text(row.expires_at),
  };
}
