/**
 * The demo shop with auth on one engine, for the reliability suites: the server (driven with
 * `app.inject()`, or listening when a test needs real sockets), the three principals' headers, a
 * cheap fingerprint of the five tables read through a separate connection, and the checks on an
 * error body's shape.
 */
import { connect } from 'node:net';
import { createServer, type RowgateServer } from '../../src/index.js';
import type { RowgateOptions } from '../../src/index.js';
import { shopActions, shopHooks } from '../../src/demo/shop-actions.js';
import { SHOP_RULES, shopAuth } from '../../src/demo/shop-auth.js';
import type { EngineDatabase, EngineHarness } from '../helpers/engines.js';

export type Principal = 'anon' | 'customer' | 'service';
export const PRINCIPALS: readonly Principal[] = ['anon', 'customer', 'service'];

export const SECRETS = {
  jwtSecret: 'reliability-secret-0123456789-abcdefghijkl',
  anonKey: 'anon-key-reliability-0123456789',
  serviceKey: 'service-key-reliability-0123456789',
};

export interface ShopUnderTest {
  readonly server: RowgateServer;
  readonly database: EngineDatabase;
  readonly headers: Record<Principal, Record<string, string>>;
  /** Row counts and largest keys of the five tables, as one comparable string. */
  fingerprint(): Promise<string>;
  close(): Promise<void>;
}

const FINGERPRINT_SQL = `select
  (select count(*) from categories) as categories_n, (select max(id) from categories) as categories_max,
  (select count(*) from products) as products_n, (select max(id) from products) as products_max,
  (select count(*) from customers) as customers_n, (select max(id) from customers) as customers_max,
  (select count(*) from orders) as orders_n, (select max(id) from orders) as orders_max,
  (select count(*) from order_items) as order_items_n, (select max(order_id) from order_items) as order_items_max,
  (select sum(stock) from products) as stock_sum`;

/** Null when the engine can run the shop here, else why not (printed as the skip reason). */
export async function shopUnavailable(engine: EngineHarness): Promise<string | null> {
  return (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
}

export async function startShop(engine: EngineHarness, options: Partial<RowgateOptions> = {}): Promise<ShopUnderTest> {
  const database = await engine.createShop!();
  let server: RowgateServer;
  try {
    server = await createServer({
      db: database.url, port: 0, host: '127.0.0.1', logLevel: 'silent', actions: shopActions, hooks: shopHooks,
      auth: shopAuth(SECRETS), rules: SHOP_RULES, ...options,
    });
  } catch (e) {
    await database.drop();
    throw e;
  }
  const headers: Record<Principal, Record<string, string>> = {
    anon: { apikey: SECRETS.anonKey },
    customer: { apikey: SECRETS.anonKey },
    service: { apikey: SECRETS.serviceKey, authorization: `Bearer ${SECRETS.serviceKey}` },
  };
  const signup = await server.app.inject({
    method: 'POST', url: '/auth/v1/signup', headers: { 'content-type': 'application/json', apikey: SECRETS.anonKey },
    payload: JSON.stringify({ email: `customer-${engine.name}@reliability.test`, password: 'correct horse battery', data: { name: 'Reliability Customer' } }),
  });
  if (signup.statusCode !== 200) throw new Error(`sign-up failed: ${signup.statusCode} ${signup.body}`);
  const token = (signup.json() as { access_token: string }).access_token;
  headers.customer = { apikey: SECRETS.anonKey, authorization: `Bearer ${token}` };
  // The customer owns an order, so their rows are not empty.
  const order = await server.app.inject({
    method: 'POST', url: '/rpc/place_order', headers: { ...headers.customer, 'content-type': 'application/json' },
    payload: JSON.stringify({ items: [{ product_id: 1, quantity: 1 }] }),
  });
  if (order.statusCode !== 200) throw new Error(`place_order failed: ${order.statusCode} ${order.body}`);
  return {
    server,
    database,
    headers,
    async fingerprint() {
      const [row] = await database.query(FINGERPRINT_SQL);
      return Object.entries(row).map(([k, v]) => `${k}=${v === null ? 'null' : Number(v)}`).join(' ');
    },
    async close() {
      await server.close();
      await database.drop();
    },
  };
}

/** Why an error body is not in the documented shape, or null when it is. Auth routes have their own. */
export function errorShapeProblem(path: string, contentType: string | undefined, body: string): string | null {
  if (!/^application\/json\b/i.test(contentType ?? '')) return `content-type ${String(contentType)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'body is not a JSON object';
  const keys = Object.keys(parsed).sort().join(',');
  const auth = path.startsWith('/auth/v1/');
  const expected = auth ? 'code,error_code,msg' : 'code,details,hint,message';
  return keys === expected ? null : `keys ${keys}, expected ${expected}`;
}

export interface RawAnswer {
  readonly status: number | null;
  readonly text: string;
}

/** Sends raw bytes (then half-closes when `close`), and reads what comes back until the server closes or `ms` pass. */
export function rawRequest(port: number, bytes: string, close: boolean, ms = 1000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : null, text });
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(bytes, 'latin1');
      if (close) socket.end();
    });
  });
}

