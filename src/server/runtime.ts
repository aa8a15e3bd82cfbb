/**
 * The state a running server shares across requests: the dialect, the current schema and the
 * plan cache keyed by request shape. Reloading introspects into a new frozen schema and swaps
 * it in one assignment, so in-flight requests finish on the schema they started with.
 */
import type { Dialect } from '../dialect/dialect.js';
import type { CompiledPlan } from '../compile/sql-compiler.js';
import type { RequestPlan } from '../plan/plan-request.js';
import type { Schema } from '../schema/model.js';
import type { ResolvedOptions } from '../config.js';
import { rowgateError } from '../errors/catalog.js';
import type { ActionEnv } from '../actions/run-action.js';
import type { ActionLogger, Caller } from '../actions/define-action.js';
import { ParseMemo } from '../request/parse-memo.js';
import { RoleViews } from '../auth/role-schema.js';
import { createAuthenticator, type Authenticator } from '../auth/tokens/authenticator.js';
import { createAccounts, type Accounts } from '../auth/accounts/index.js';
import type { RedisRateLimitStore } from '../auth/redis-rate-limit.js';

export interface CachedShape {
  readonly plan: RequestPlan;
  readonly compiled: CompiledPlan;
}

const SHAPE_CACHE_LIMIT = 5000;

const silentLog: ActionLogger = { info() {}, warn() {}, error() {} };

async function introspectAll(dialect: Dialect, version: number): Promise<Map<string, Schema>> {
  if (!dialect.namespaces) return new Map([['', await dialect.introspect(version)]]);
  const entries = await Promise.all(dialect.namespaces.map(async (ns) => [ns, await dialect.introspect(version, ns)] as const));
  return new Map(entries);
}

export class Runtime {
  /** Per schema object (a reload makes new ones, and each role's view is one of its own): shape key → plan and SQL. */
  private readonly shapes = new WeakMap<Schema, Map<string, CachedShape>>();
  /** Reads parsed before, by URL and headers (parsing does not depend on the schema). */
  readonly parseMemo = new ParseMemo();
  private readonly openapiCache = new Map<string, string>();

  /** What actions run with; the caller is anonymous until auth lands (issue 6). */
  readonly actionEnv: ActionEnv;

  /** The schema of every profile (PostgreSQL schema); one entry, '', on engines without profiles. */
  private profiles: ReadonlyMap<string, Schema>;
  /** The profile a request without Accept-Profile/Content-Profile gets. */
  readonly defaultProfile: string;

  private constructor(
    readonly dialect: Dialect,
    readonly options: ResolvedOptions,
    profiles: ReadonlyMap<string, Schema>,
    log: ActionLogger,
    rateLimitStore: RedisRateLimitStore | null,
  ) {
    this.profiles = profiles;
    this.defaultProfile = profiles.keys().next().value ?? '';
    this.actionEnv = { actions: options.actions, dialect, log, caller: { role: 'anon', userId: null, claims: {} }, rolesApply: options.auth !== undefined };
    this.roleViews = options.auth && (options.auth.mode ?? 'rules') === 'rules' ? new RoleViews(options.rules ?? {}) : null;
    const secret = options.auth?.jwtSecret ?? null;
    this.authenticator = options.auth ? createAuthenticator(options.auth, secret) : null;
    this.rateLimitStore = rateLimitStore;
    this.accounts =
      options.auth && secret ? createAccounts(dialect, { secret, config: options.auth, ...(this.rateLimitStore ? { rateLimitStore: this.rateLimitStore } : {}) }) : null;
  }

  /** Each role's view of the schema, when auth rules decide access (auth configured, mode `rules`). */
  readonly roleViews: RoleViews | null;
  /** Decides each request's caller; null without auth configured (everyone is anonymous). */
  readonly authenticator: Authenticator | null;
  /** Login and sign-up counters shared through Redis (`auth.rateLimit.redis`), else null (in memory). */
  private readonly rateLimitStore: RedisRateLimitStore | null;
  /** Sign-up, sign-in and sessions at /auth/v1; null without a jwtSecret. */
  readonly accounts: Accounts | null;

  static async start(dialect: Dialect, options: ResolvedOptions, log: ActionLogger = silentLog): Promise<Runtime> {
    // ioredis is loaded only when the config names a Redis for the rate limits.
    const redisUrl = options.auth?.rateLimit?.redis;
    const store = redisUrl
      ? (await import('../auth/redis-rate-limit.js')).RedisRateLimitStore.connect(redisUrl, (e) =>
          log.warn({ err: e.message }, 'rate limits: Redis unreachable, counting in this process meanwhile'),
        )
      : null;
    let profiles: Map<string, Schema>;
    try {
      profiles = await introspectAll(dialect, 1);
    } catch (e) {
      await store?.close();
      throw e;
    }
    const runtime = new Runtime(dialect, options, profiles, log, store);
    runtime.checkRules();
    return runtime;
  }

  /** Rules naming tables or columns the schema lacks stop the start (and a reload) with a ConfigError. */
  private checkRules(): void {
    if (!this.roleViews) return;
    for (const schema of this.profiles.values()) this.roleViews.checkAgainst(schema);
  }

  /** The default profile's schema. */
  get schema(): Schema {
    return this.profiles.get(this.defaultProfile)!;
  }

  /** The profiles served, for the Content-Profile header and error messages; empty without profiles. */
  get profileNames(): string[] {
    return this.defaultProfile === '' ? [] : [...this.profiles.keys()];
  }

  /**
   * The schema a request is for: its Accept-Profile/Content-Profile, else the default (PGRST106 for
   * others), as the caller's role sees it when auth rules are on.
   */
  schemaFor(profile: string | null | undefined, caller?: Caller): Schema {
    // supabase-js always names `public`; on engines without schemas that is the one there is.
    const schema = profile && !(profile === 'public' && this.defaultProfile === '') ? this.profiles.get(profile) : this.schema;
    if (schema) return caller && this.roleViews ? this.roleViews.viewFor(schema, caller.role) : schema;
    throw rowgateError('PGRST106', `The schema must be one of the following: ${this.profileNames.join(', ') || '(none: this engine has no schemas)'}`, {
      details: `'${profile}' is not served`,
    });
  }

  /** Reads the catalog again; requests already running keep the schema they hold. */
  async reload(): Promise<Schema> {
    this.profiles = await introspectAll(this.dialect, this.schema.version + 1);
    this.checkRules();
    return this.schema;
  }

  cachedShape(schema: Schema, shapeKey: string): CachedShape | undefined {
    return this.shapes.get(schema)?.get(shapeKey);
  }

  rememberShape(schema: Schema, shapeKey: string, shape: CachedShape): void {
    let shapes = this.shapes.get(schema);
    // A full cache starts over: shapes are few in real APIs, so this only bounds hostile variety.
    if (!shapes || shapes.size >= SHAPE_CACHE_LIMIT) {
      shapes = new Map();
      this.shapes.set(schema, shapes);
    }
    shapes.set(shapeKey, shape);
  }

  /** The OpenAPI document of a profile as text, built once per schema version, profile and role. */
  openapiText(profile: string | null, build: (schema: Schema) => unknown, caller?: Caller): string {
    const schema = this.schemaFor(profile, caller);
    const key = `${profile ?? ''}\u0000${schema.version}\u0000${caller && this.roleViews ? caller.role : ''}`;
    let text = this.openapiCache.get(key);
    if (text === undefined) {
      if (this.openapiCache.size > 64) this.openapiCache.clear();
      text = JSON.stringify(build(schema));
      this.openapiCache.set(key, text);
    }
    return text;
  }

  async close(): Promise<void> {
    await this.rateLimitStore?.close();
    await this.dialect.driver.close();
  }
}
