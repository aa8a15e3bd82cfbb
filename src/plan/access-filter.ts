/**
 * The rows a role may touch, as a predicate the planner ANDs into every statement over the table:
 * the root of a read, each join and subquery of an embedding, the WHERE of updates and deletes.
 * Tables outside a role's view (no auth, or the service role) have no `access` and get nothing.
 */
import type { Operation } from '../auth/auth-config.js';
import { rulePredicate } from '../auth/rule-predicate.js';
import { RowgateError } from '../errors/rowgate-error.js';
import type { Table } from '../schema/model.js';
import type { Predicate } from './plan-nodes.js';

export function accessFilter(table: Table, op: Operation, source: string | null): Predicate | null {
  const filter = table.access?.[op]?.filter;
  return filter ? rulePredicate(filter, table.access!.base, source, table.access!.relations) : null;
}

/** The role may not do `op` on the table at all: 401 for anonymous callers (sign in), 403 for others. */
export function requireOperation(table: Table, op: Operation): void {
  const access = table.access;
  if (!access || access[op]) return;
  throw permissionDenied(access.role, `permission denied to ${op === 'select' ? 'read' : op} ${op === 'insert' ? 'into' : op === 'select' ? '' : 'rows of'} table ${table.name}`.replace('  ', ' '));
}

export function permissionDenied(role: string, message: string): RowgateError {
  return role === 'anon'
    ? new RowgateError('42501', 401, message, { hint: 'Sign in, or send an API key or token that allows it.', headers: { 'www-authenticate': 'Bearer' } })
    : new RowgateError('42501', 403, message);
}
