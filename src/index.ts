/**
 * rowgate's public entry: `createServer(options)` for a ready-to-listen server, and
 * `rowgatePlugin` to mount the same API inside an existing Fastify application.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { resolveOptions, type RowgateOptions, type ResolvedOptions } from './config.js';
import { openDialect } from './dialect/open-dialect.js';
import { bindRowgate, buildApp } from './server/app.js';
import { Runtime } from './server/runtime.js';
import type { Schema } from './schema/model.js';

export type { RowgateOptions, AnonAccess } from './config.js';
export { defineConfig, type RowgateConfig } from './config-file.js';
export { defineAction, type ActionDefinition, type ActionContext, type Caller } from './actions/define-action.js';
export type { TableHooks, HookContext, Row } from './hooks/table-hooks.js';
/** TypeBox's builder, for action input and output schemas: `Type.Object({ id: Type.Integer() })`. */
export { Type, type Static } from '@sinclair/typebox';
export { ConfigError } from './config.js';
export { RowgateError } from './errors/rowgate-error.js';
export type { Schema, Table, Column } from './schema/model.js';

export interface RowgateServer {
  /** The Fastify instance: `inject()` for tests, `listen()` to serve. */
  readonly app: FastifyInstance;
  readonly options: ResolvedOptions;
  /** Starts listening on the configured host and port; resolves to the URL. */
  listen(): Promise<string>;
  /** Reads the schema again (also on SIGHUP when started from the CLI). */
  reload(): Promise<Schema>;
  /** Stops accepting, lets requests in flight finish, closes the database. */
  close(): Promise<void>;
}

export async function createServer(options: RowgateOptions): Promise<RowgateServer> {
  const resolved = resolveOptions(options);
  const dialect = await openDialect(resolved.db, resolved);
  let runtime: Runtime;
  try {
    runtime = await Runtime.start(dialect, resolved);
  } catch (e) {
    await dialect.driver.close();
    throw e;
  }
  const app = buildApp(runtime);
  app.addHook('onClose', async () => runtime.close());
  return {
    app,
    options: resolved,
    listen: () => app.listen({ host: resolved.host, port: resolved.port }),
    reload: () => runtime.reload(),
    close: () => app.close(),
  };
}

/**
 * The API as a Fastify plugin: `app.register(rowgatePlugin, { db: 'sqlite:shop.db', prefix: '/api' })`.
 * It binds into its own encapsulated context, so the host app's parsers, hooks and error handler
 * stay the host's, and rowgate's stay rowgate's.
 */
export const rowgatePlugin: FastifyPluginAsync<RowgateOptions> = async (app, options) => {
  const resolved = resolveOptions(options);
  const runtime = await Runtime.start(await openDialect(resolved.db, resolved), resolved);
  app.addHook('onClose', async () => runtime.close());
  bindRowgate(app, runtime);
};
