/**
 * What one role may do with one table, compiled from the config's `rules`: attached to the
 * role's view of the schema (`role-schema.ts`) so the planner reads it where it reads the table.
 * Values in rule filters are either literal text or a reference to the caller (`{auth.uid}`),
 * bound per request like any other value, so one plan serves every caller of a role.
 */
import type { Condition } from '../request/types.js';
import type { Table } from '../schema/model.js';
import type { DirectRelationship } from '../schema/relationships.js';

/** A value in a rule: text as written, or a path into the caller (`auth.uid`, `auth.claims.app_metadata.customer_id`). */
export type RuleValue = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'auth'; readonly path: readonly string[] };

/** A filter of the config in the URL grammar; its conditions refer to `values` by index. */
export interface RuleFilter {
  readonly source: string;
  readonly conditions: readonly Condition[];
  /**
   * `orders.customer_id=eq.{auth.uid}` on order_items: conditions on the row a many-to-one foreign
   * key points to, so child rows follow their parent's rule (an EXISTS over the parent).
   */
  readonly related: readonly { readonly relation: string; readonly conditions: readonly Condition[] }[];
  readonly values: readonly RuleValue[];
}

export interface OperationAccess {
  /** Rows the operation may see or touch; null: every row. */
  readonly filter: RuleFilter | null;
  /** Columns that may be read (select) or written (insert, update); null: all. */
  readonly columns: ReadonlySet<string> | null;
  /** New values of inserts and updates must pass it; null: anything goes. */
  readonly check: RuleFilter | null;
}

export interface TableAccess {
  readonly role: string;
  /** The table with every column, for rule filters over columns the role may not read. */
  readonly base: Table;
  readonly select: OperationAccess | null;
  readonly insert: OperationAccess | null;
  readonly update: OperationAccess | null;
  readonly delete: OperationAccess | null;
  /** The many-to-one relationships rule filters name, by the name used (`orders`). */
  readonly relations: ReadonlyMap<string, DirectRelationship>;
}
