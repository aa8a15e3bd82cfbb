/**
 * rowgate's own user accounts behind Supabase Auth's HTTP API (/auth/v1): sign-up, password and
 * refresh-token grants, logout, the current user. See docs/auth-accounts.md.
 *
 *   const accounts = createAccounts(dialect, { secret, config: auth });  // tables made on first use
 *   bindAuthRoutes(app, accounts);                                       // before app.ready()
 *
 * Modules: account-store (tables per engine and statements), passwords (scrypt), refresh-tokens
 * (random tokens, stored hashed), accounts (what each endpoint does), wire-shapes (user and session
 * JSON), request-body (reading and capping fields), auth-errors (the error shape), auth-routes
 * (Fastify), and ../rate-limit (login and sign-up limits).
 */
import type { FastifyInstance } from 'fastify';
import type { Dialect } from '../../dialect/dialect.js';
import type { AuthConfig } from '../auth-config.js';
import type { RateLimitStore } from '../rate-limit.js';
import { createAccountStore } from './account-store.js';
import { Accounts } from './accounts.js';
import { registerAuthRoutes } from './auth-routes.js';

export interface AccountsOptions {
  /** Signs the access tokens (HS256); at least 32 characters. */
  secret: string;
  config: AuthConfig;
  /** Rate-limit counters; this process's memory by default (a Redis store for several processes). */
  rateLimitStore?: RateLimitStore;
  /** The clock, for tests. */
  now?: () => Date;
}

/** The accounts of one database. Nothing touches the database until the first request needs it. */
export function createAccounts(dialect: Dialect, options: AccountsOptions): Accounts {
  if (typeof options.secret !== 'string' || options.secret.length < 32) {
    throw new Error('The JWT secret for accounts must be at least 32 characters');
  }
  return new Accounts(dialect, createAccountStore(dialect), {
    secret: options.secret,
    config: options.config,
    rateLimitStore: options.rateLimitStore,
    now: options.now,
  });
}

/** Registers /auth/v1/* on `app` (in an encapsulated context of their own); call before `ready()`. */
export function bindAuthRoutes(app: FastifyInstance, accounts: Accounts): void {
  registerAuthRoutes(app, accounts);
}

export { Accounts, type LogoutScope } from './accounts.js';
export { AuthError } from './auth-errors.js';
export { AUTH_PREFIX } from './auth-routes.js';
export { layoutFor, TABLE_PREFIX } from './account-store.js';
export type { SessionJson, UserJson } from './wire-shapes.js';
