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
import type { ActionLogger } from '../actions/define-action.js';

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
  private shapes = new Map<string, CachedShape>();
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
  ) {
    this.profiles = profiles;
    this.defaultProfile = profiles.keys().next().value ?? '';
    this.actionEnv = { actions: options.actions, dialect, log, caller: { role: 'anon', userId: null, claims: {} } };
  }

  static async start(dialect: Dialect, options: ResolvedOptions, log: ActionLogger = silentLog): Promise<Runtime> {
    return new Runtime(dialect, options, await introspectAll(dialect, 1), log);
  }

  /** The default profile's schema. */
  get schema(): Schema {
    return this.profiles.get(this.defaultProfile)!;
  }

  /** The profiles served, for the Content-Profile header and error messages; empty without profiles. */
  get profileNames(): string[] {
    return this.defaultProfile === '' ? [] : [...this.profiles.keys()];
  }

  /** The schema a request is for: its Accept-Profile/Content-Profile, else the default (PGRST106 for others). */
  schemaFor(profile: string | null | undefined): Schema {
    if (!profile) return this.schema;
    const schema = this.profiles.get(profile);
    if (schema) return schema;
    throw rowgateError('PGRST106', `The schema must be one of the following: ${this.profileNames.join(', ') || '(none: this engine has no schemas)'}`, {
      details: `'${profile}' is not served`,
    });
  }

  /** Reads the catalog again; requests already running keep the schema they hold. */
  async reload(): Promise<Schema> {
    this.profiles = await introspectAll(this.dialect, this.schema.version + 1);
    this.shapes = new Map();
    return this.schema;
  }

  cachedShape(key: string): CachedShape | undefined {
    return this.shapes.get(key);
  }

  rememberShape(key: string, shape: CachedShape): void {
    // A full cache starts over: shapes are few in real APIs, so this only bounds hostile variety.
    if (this.shapes.size >= SHAPE_CACHE_LIMIT) this.shapes = new Map();
    this.shapes.set(key, shape);
  }

  /** The OpenAPI document of a profile as text, built once per schema version and profile. */
  openapiText(profile: string | null, build: (schema: Schema) => unknown): string {
    const schema = this.schemaFor(profile);
    const key = `${profile ?? ''}\u0000${schema.version}`;
    let text = this.openapiCache.get(key);
    if (text === undefined) {
      if (this.openapiCache.size > 64) this.openapiCache.clear();
      text = JSON.stringify(build(schema));
      this.openapiCache.set(key, text);
    }
    return text;
  }

  async close(): Promise<void> {
    await this.dialect.driver.close();
  }
}
