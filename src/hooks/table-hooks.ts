/**
 * Table hooks: your code around writes, inside the request's transaction. `before*` hooks see the
 * values about to be written and may change them (return the new object) or reject the write with
 * `ctx.fail(…)`; `after*` hooks see the written rows. A before-hook declared with the row alone
 * takes no context and needs no transaction (see `needsTransaction`). What runs them is `run-hooks.ts`.
 */
import type { ActionContext } from '../actions/define-action.js';

export type Row = Record<string, unknown>;

export interface HookContext extends ActionContext {
  readonly table: string;
}

export interface TableHooks {
  /** Each inserted row; return it changed (or a new object), or nothing to keep it. */
  beforeInsert?(row: Row, ctx: HookContext): Row | void | Promise<Row | void>;
  afterInsert?(rows: readonly Row[], ctx: HookContext): void | Promise<void>;
  /** The values a PATCH (or PUT) sets; add, change or remove keys. */
  beforeUpdate?(patch: Row, ctx: HookContext): Row | void | Promise<Row | void>;
  afterUpdate?(rows: readonly Row[], ctx: HookContext): void | Promise<void>;
  beforeDelete?(ctx: HookContext): void | Promise<void>;
  afterDelete?(rows: readonly Row[], ctx: HookContext): void | Promise<void>;
}
