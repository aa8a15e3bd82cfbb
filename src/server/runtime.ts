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
import type { ActionEnv } from '../actions/run-action.js';
import type { ActionLogger } from '../actions/define-action.js';

export interface CachedShape {
  readonly plan: RequestPlan;
  readonly compiled: CompiledPlan;
}

const SHAPE_CACHE_LIMIT = 5000;

const silentLog: ActionLogger = { info() {}, warn() {}, error() {} };

export class Runtime {
  private shapes = new Map<string, CachedShape>();
  private openapiCache: { version: number; text: string } | null = null;

  /** What actions run with; the caller is anonymous until auth lands (issue 6). */
  readonly actionEnv: ActionEnv;

  private constructor(
    readonly dialect: Dialect,
    readonly options: ResolvedOptions,
    private current: Schema,
    log: ActionLogger,
  ) {
    this.actionEnv = { actions: options.actions, dialect, log, caller: { role: 'anon', userId: null, claims: {} } };
  }

  static async start(dialect: Dialect, options: ResolvedOptions, log: ActionLogger = silentLog): Promise<Runtime> {
    return new Runtime(dialect, options, await dialect.introspect(1), log);
  }

  get schema(): Schema {
    return this.current;
  }

  /** Reads the catalog again; requests already running keep the schema they hold. */
  async reload(): Promise<Schema> {
    const next = await this.dialect.introspect(this.current.version + 1);
    this.current = next;
    this.shapes = new Map();
    return next;
  }

  cachedShape(key: string): CachedShape | undefined {
    return this.shapes.get(key);
  }

  rememberShape(key: string, shape: CachedShape): void {
    // A full cache starts over: shapes are few in real APIs, so this only bounds hostile variety.
    if (this.shapes.size >= SHAPE_CACHE_LIMIT) this.shapes = new Map();
    this.shapes.set(key, shape);
  }

  /** The OpenAPI document as text, built once per schema version. */
  openapiText(build: (schema: Schema) => unknown): string {
    const schema = this.current;
    if (this.openapiCache?.version !== schema.version) {
      this.openapiCache = { version: schema.version, text: JSON.stringify(build(schema)) };
    }
    return this.openapiCache.text;
  }

  async close(): Promise<void> {
    await this.dialect.driver.close();
  }
}
