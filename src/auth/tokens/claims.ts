/**
 * From a verified token's claims to a Caller: the role and user id at configurable claim paths,
 * the role names mapped (Supabase's `service_role` is rowgate's `service`) and checked.
 */
import type { Caller } from '../../actions/define-action.js';
import { tokenErrors } from './token-errors.js';

/** What a role name may look like: an identifier, as it may end up in SQL (`SET ROLE`) and in rules. */
export const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

export interface ClaimPaths {
  /** Dotted path of the role claim, e.g. `role` or `app_metadata.role`. */
  readonly role: string;
  /** Dotted path of the user id claim, e.g. `sub`. */
  readonly userId: string;
}

export const DEFAULT_CLAIM_PATHS: ClaimPaths = { role: 'role', userId: 'sub' };

/** The value at a dotted path of a claims object; undefined where any step is missing or not an object. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = claims;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** The rowgate role a claim value names: missing -> `authenticated`, `service_role` -> `service`; else 401. */
export function roleOf(value: unknown): string {
  if (value === undefined) return 'authenticated';
  if (typeof value !== 'string' || !ROLE_NAME.test(value)) throw tokenErrors.invalidRole();
  return value === 'service_role' ? 'service' : value;
}

/** The user id a claim value names: missing -> null; strings and integers as text; else 401. */
export function userIdOf(value: unknown): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw tokenErrors.invalidUserId();
}

/** The caller a verified token speaks for. The claims are frozen: they are shared through the cache. */
export function callerFromClaims(claims: Record<string, unknown>, paths: ClaimPaths = DEFAULT_CLAIM_PATHS): Caller {
  const role = roleOf(claimAt(claims, paths.role));
  const userId = userIdOf(claimAt(claims, paths.userId));
  return Object.freeze({ role, userId, claims: deepFreeze(claims) });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
