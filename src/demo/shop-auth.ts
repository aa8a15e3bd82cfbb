/**
 * The demo shop's auth: anyone reads categories and products; a customer signs up (which creates
 * their customers row and links it to the account), orders through `place_order`, and sees only
 * their own customer row, orders and order items; the service key sees and changes everything.
 * Written against the public config shape, as a user would write theirs.
 */
import type { Kysely } from 'kysely';
import type { AuthConfig, NewAccount, RulesConfig } from '../auth/auth-config.js';

/** `{auth.claims.app_metadata.customer_id}`: the customers row the account was linked to at sign-up. */
const OWN = '{auth.claims.app_metadata.customer_id}';

export const SHOP_RULES: RulesConfig = {
  categories: { select: { anon: true, authenticated: true } },
  products: { select: { anon: true, authenticated: true } },
  customers: {
    select: { authenticated: { filter: `id=eq.${OWN}` } },
    update: { authenticated: { filter: `id=eq.${OWN}`, columns: ['name', 'city'] } },
  },
  orders: {
    select: { authenticated: { filter: `customer_id=eq.${OWN}` } },
  },
  order_items: {
    select: { authenticated: { filter: `orders.customer_id=eq.${OWN}` } },
  },
};

/** Creates the customers row of a new account and returns the link kept in its app_metadata. */
export async function linkCustomer(account: NewAccount, db: Kysely<any>): Promise<Record<string, unknown>> {
  const given = account.userMetadata.name;
  const name = typeof given === 'string' && given.trim() !== '' ? given.trim().slice(0, 200) : account.email.split('@')[0];
  // Always a new row: linking to an existing customer by email would hand its orders to whoever
  // signs up first with that address (there is no email confirmation). customers.email is unique,
  // so an address already taken refuses the sign-up as a whole.
  const adapter = db.getExecutor().adapter;
  if (adapter.supportsReturning) {
    const row = await db.insertInto('customers').values({ email: account.email, name }).returning('id').executeTakeFirstOrThrow();
    return { customer_id: Number(row.id) };
  }
  const result = await db.insertInto('customers').values({ email: account.email, name }).executeTakeFirstOrThrow();
  return { customer_id: Number(result.insertId) };
}

/** The shop's auth config around the secret and keys you give (from the environment, never a file). */
export function shopAuth(secrets: { jwtSecret: string; anonKey: string; serviceKey: string }): AuthConfig {
  return {
    jwtSecret: secrets.jwtSecret,
    apiKeys: { anon: secrets.anonKey, service: secrets.serviceKey },
    onSignup: linkCustomer,
  };
}
