/**
 * The optional config file, `rowgate.config.ts` (or .mts/.js/.mjs/.json): found in the working
 * directory or named with --config, loaded without a build step (jiti compiles TypeScript on the
 * fly), and checked whole before anything starts, so a mistake is reported with the file and the
 * key and the server never runs half-configured.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ActionDefinition } from './actions/define-action.js';
import { ConfigError, type RowgateOptions } from './config.js';
import type { TableHooks } from './hooks/table-hooks.js';
import { AUTH, CORS, RULES, type AuthConfig, type CorsConfig, type RulesConfig } from './auth/auth-config.js';

const SERVER = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    anon: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('none')])),
    maxRows: Type.Optional(Type.Integer({ minimum: 1 })),
    maxEmbedDepth: Type.Optional(Type.Integer({ minimum: 1 })),
    bodyLimit: Type.Optional(Type.Integer({ minimum: 1 })),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    statementTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    poolSize: Type.Optional(Type.Integer({ minimum: 1 })),
    schemas: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    allowUnfilteredWrites: Type.Optional(Type.Boolean()),
    logLevel: Type.Optional(
      Type.Union([Type.Literal('silent'), Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug')]),
    ),
    title: Type.Optional(Type.String()),
    serverTiming: Type.Optional(Type.Boolean()),
    sqliteReadWorkers: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
    postgresTransactionPooler: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** The data part of the config, checked with TypeBox; functions (actions, hooks) are checked by hand. */
const CONFIG = Type.Object(
  {
    db: Type.Optional(Type.String({ minLength: 1 })),
    server: Type.Optional(SERVER),
    actions: Type.Optional(Type.Array(Type.Unknown())),
    hooks: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    // onSignup is a function, which TypeBox cannot describe: checked by hand below.
    auth: Type.Optional(Type.Object({ ...AUTH.properties, onSignup: Type.Optional(Type.Unknown()) }, { additionalProperties: false })),
    rules: Type.Optional(RULES),
    cors: Type.Optional(CORS),
  },
  { additionalProperties: false },
);

export type ServerConfig = Static<typeof SERVER>;

export interface RowgateConfig {
  /** Database URL, as --db takes it. */
  readonly db?: string;
  readonly server?: ServerConfig;
  readonly actions?: readonly ActionDefinition<any, any>[];
  /** Table hooks by table name: `{ products: { beforeUpdate(patch) { … } } }`. */
  readonly hooks?: Readonly<Record<string, TableHooks>>;
  readonly auth?: AuthConfig;
  readonly rules?: RulesConfig;
  readonly cors?: CorsConfig;
}

/** Types the config for editors; returns it unchanged. */
export function defineConfig(config: RowgateConfig): RowgateConfig {
  return config;
}

const NAMES = ['rowgate.config.ts', 'rowgate.config.mts', 'rowgate.config.js', 'rowgate.config.mjs', 'rowgate.config.json'];

/** The config file to load: the one named, else the first of NAMES in `cwd`, else none. */
export function findConfigFile(cwd: string, explicit?: string): string | null {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError(`Config file not found: ${explicit}`);
    return path;
  }
  for (const name of NAMES) {
    const path = join(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

export async function loadConfigFile(path: string): Promise<RowgateConfig> {
  let value: unknown;
  try {
    if (path.endsWith('.json')) {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } else {
      // Loaded only for a TypeScript or JavaScript config: most servers never need a transpiler.
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false });
      value = await jiti.import(path, { default: true });
    }
  } catch (e) {
    throw new ConfigError(`${path}: cannot be loaded: ${(e as Error).message}`);
  }
  return checkConfig(value, path);
}

/** Checks a config object (from a file or from code); the error names the file and the key. */
export function checkConfig(value: unknown, where = 'config'): RowgateConfig {
  if (typeof value !== 'object' || value === null) throw new ConfigError(`${where}: must export a config object (export default defineConfig({ … }))`);
  const first = Value.Errors(CONFIG, value).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
    const hint = first.message.includes('Unexpected property') ? ' (unknown key)' : '';
    throw new ConfigError(`${where}: ${key}: ${first.message}${hint}`);
  }
  const config = value as RowgateConfig;
  const seen = new Set<string>();
  (config.actions ?? []).forEach((a, i) => {
    const at = `${where}: actions[${i}]`;
    if (typeof a !== 'object' || a === null) throw new ConfigError(`${at}: must be an action (defineAction({ … }))`);
    if (typeof a.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a.name)) throw new ConfigError(`${at}.name: must be letters, digits and underscores`);
    if (seen.has(a.name)) throw new ConfigError(`${at}.name: '${a.name}' is defined twice`);
    seen.add(a.name);
    if (typeof a.handler !== 'function') throw new ConfigError(`${at}.handler: must be a function`);
    if (typeof a.input !== 'object' || a.input === null) throw new ConfigError(`${at}.input: must be a JSON Schema (Type.Object({ … }))`);
    if (a.roles !== undefined && (!Array.isArray(a.roles) || a.roles.some((r) => typeof r !== 'string'))) {
      throw new ConfigError(`${at}.roles: must be a list of role names`);
    }
  });
  for (const [table, hooks] of Object.entries(config.hooks ?? {})) {
    if (typeof hooks !== 'object' || hooks === null) throw new ConfigError(`${where}: hooks.${table}: must be an object of hook functions`);
    for (const [name, fn] of Object.entries(hooks)) {
      if (!HOOK_NAMES.has(name)) throw new ConfigError(`${where}: hooks.${table}.${name}: unknown hook (one of ${[...HOOK_NAMES].join(', ')})`);
      if (typeof fn !== 'function') throw new ConfigError(`${where}: hooks.${table}.${name}: must be a function`);
    }
  }
  if (config.auth?.onSignup !== undefined && typeof config.auth.onSignup !== 'function') {
    throw new ConfigError(`${where}: auth.onSignup: must be a function`);
  }
  return config;
}

const HOOK_NAMES = new Set(['beforeInsert', 'afterInsert', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete']);

/** Config file values, under the command line's: a flag given wins over the file. */
export function optionsFromConfig(config: RowgateConfig, flags: Partial<RowgateOptions>): Partial<RowgateOptions> {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...config.server, ...(config.db ? { db: config.db } : {}), actions: config.actions, hooks: config.hooks, auth: config.auth, rules: config.rules, cors: config.cors, ...defined };
}
