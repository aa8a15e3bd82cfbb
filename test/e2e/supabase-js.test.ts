/**
 * `@supabase/supabase-js` pointed at rowgate, unchanged, on every engine: a customer signs up,
 * signs in, reads only their own orders through `from()`, orders through `rpc()`, refreshes the
 * session and signs out — the demo shop with its auth rules, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
// supabase-js builds a realtime client even when unused, and Node 20 has no global WebSocket.
import WebSocket from 'ws';
import { createServer, type RowgateServer } from '../../src/index.js';
import { shopActions, shopHooks } from '../../src/demo/shop-actions.js';
import { SHOP_RULES, shopAuth } from '../../src/demo/shop-auth.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';

const SECRETS = { jwtSecret: 'supabase-e2e-secret-0123456789-abcdefghij', anonKey: 'anon-key-e2e-0123456789abcdef', serviceKey: 'service-key-e2e-0123456789abcdef' };

for (const engine of selectedEngines()) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
  if (reason) console.warn(`supabase-js: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: supabase-js against the demo shop`, () => {
    let database: EngineDatabase;
    let server: RowgateServer;
    let url: string;
    const client = (key = SECRETS.anonKey): SupabaseClient =>
      createClient(url, key, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        realtime: { transport: WebSocket as never },
      });

    beforeAll(async () => {
      database = await engine.createShop!();
      server = await createServer({ db: database.url, port: 0, logLevel: 'silent', actions: shopActions, hooks: shopHooks, auth: shopAuth(SECRETS), rules: SHOP_RULES });
      url = await server.listen();
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('signs up, signs in, reads own orders, orders, refreshes and signs out', async () => {
      const email = `jo-${engine.name}@example.org`;
      const password = 'a long enough passphrase';

      const supabase = client();
      const signUp = await supabase.auth.signUp({ email, password, options: { data: { name: 'Jo Customer' } } });
      expect(signUp.error).toBeNull();
      expect(signUp.data.user?.email).toBe(email);
      const customerId = signUp.data.user?.app_metadata.customer_id as number;
      expect(customerId).toBeGreaterThan(0);
      expect(JSON.stringify(signUp.data)).not.toContain(password);

      // A fresh client signs in with the password.
      const shopper = client();
      const signIn = await shopper.auth.signInWithPassword({ email, password });
      expect(signIn.error).toBeNull();
      expect(signIn.data.session?.access_token).toBeTruthy();
      const wrong = await client().auth.signInWithPassword({ email, password: 'not the password' });
      expect(wrong.error?.status).toBe(400);

      // A new customer has no orders; the catalogue is public.
      const none = await shopper.from('orders').select('id');
      expect(none.error).toBeNull();
      expect(none.data).toEqual([]);
      const products = await shopper.from('products').select('id,name,price').lte('id', 3).order('id');
      expect(products.data?.map((p) => p.id)).toEqual([1, 2, 3]);

      const placed = await shopper.rpc('place_order', { items: [{ product_id: 2, quantity: 1 }] });
      expect(placed.error).toBeNull();
      const orderId = (placed.data as { order_id: number }).order_id;

      const mine = await shopper.from('orders').select('id, customer_id, order_items(product_id, quantity)');
      expect(mine.error).toBeNull();
      expect(mine.data).toEqual([{ id: orderId, customer_id: customerId, order_items: [{ product_id: 2, quantity: 1 }] }]);
      // Someone else's order is not there at all.
      const others = await shopper.from('orders').select('id').neq('customer_id', customerId);
      expect(others.data).toEqual([]);

      const refreshed = await shopper.auth.refreshSession();
      expect(refreshed.error).toBeNull();
      expect(refreshed.data.session?.refresh_token).not.toBe(signIn.data.session?.refresh_token);
      const again = await shopper.from('orders').select('id');
      expect(again.data).toEqual([{ id: orderId }]);

      const user = await shopper.auth.getUser();
      expect(user.data.user?.email).toBe(email);

      const out = await shopper.auth.signOut();
      expect(out.error).toBeNull();
      // The signed-out session's refresh token no longer works.
      const stale = await fetch(`${url}/auth/v1/token?grant_type=refresh_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: SECRETS.anonKey },
        body: JSON.stringify({ refresh_token: refreshed.data.session?.refresh_token }),
      });
      expect(stale.status).toBe(401);

      // Anonymous callers (the anon key alone) see no orders table; the service key sees every order.
      const anon = await client().from('orders').select('id');
      expect(anon.error?.code).toBe('PGRST205');
      const service = await client(SECRETS.serviceKey).from('orders').select('id', { count: 'exact', head: true });
      expect(service.count).toBeGreaterThan(1);
    });
  });
}
