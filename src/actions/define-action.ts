/**
 * Actions: your own transactional endpoints beside the tables, at `/rpc/<name>`. An action names
 * its input (and optionally output) as a JSON Schema built with TypeBox, says whether it only
 * reads, and gets a context holding the transaction. This module holds the types users write
 * against; running them is `run-action.ts`'s job.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Kysely } from 'kysely';

/** Who is calling: `anon` without credentials (and always without auth configured), else from the token or API key. */
export interface Caller {
  readonly role: string;
  readonly userId: string | null;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface ActionLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ActionContext {
  /** The open transaction: every query through it commits or rolls back with the action. */
  readonly db: Kysely<any>;
  readonly caller: Caller;
  readonly log: ActionLogger;
  /**
   * Ends the action with an error the client sees, rolling everything back:
   * `ctx.fail(409, 'out_of_stock', 'Product 7 has 2 left', { details, hint })`.
   */
  fail(status: number, code: string, message: string, extra?: { details?: string; hint?: string }): never;
}

export interface ActionDefinition<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** The URL name: `/rpc/<name>`; letters, digits and underscores. */
  readonly name: string;
  readonly description?: string;
  /** The JSON Schema of the arguments object; checked before the handler runs. */
  readonly input: I;
  /** The JSON Schema of the result, for the OpenAPI document (and checked in development). */
  readonly output?: O;
  /** Read-only actions may also be called with GET and query parameters, and run read-only. */
  readonly readOnly?: boolean;
  /**
   * With auth configured, the roles that may call it (`service` always may); without `roles`,
   * only `service`. Without auth configured everyone may.
   */
  readonly roles?: readonly string[];
  readonly handler: (input: Static<I>, ctx: ActionContext) => Promise<Static<O>> | Static<O>;
}

/** Types an action for editors; returns it unchanged. */
export function defineAction<I extends TSchema, O extends TSchema>(action: ActionDefinition<I, O>): ActionDefinition<I, O> {
  return action;
}
