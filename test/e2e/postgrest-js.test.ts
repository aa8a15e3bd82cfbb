/**
 * End to end with the client users already have: the real `rowgate` binary on a free port over a
 * fresh demo shop on each engine, driven by @supabase/postgrest-js.
 */
import { PostgrestClient } from '@supabase/postgrest-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli-process.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';

for (const engine of selectedEngines()) {
const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
if (reason) console.warn(`postgrest-js e2e: skipping ${engine.name}: ${reason}`);

describe.skipIf(reason !== null)(`postgrest-js against the rowgate binary (${engine.name})`, () => {
  let database: EngineDatabase;
  let cli: RunningCli;
  let client: PostgrestClient;
  /** The test's own look at the data, on a separate connection. */
  const db = {
    prepare: (text: string) => ({
      all: async (...params: unknown[]) => database.query(bindLiterals(text, params)),
      get: async (...params: unknown[]) => (await database.query(bindLiterals(text, params)))[0],
    }),
  };

  beforeAll(async () => {
    database = await engine.createShop!();
    cli = await startCli(['--db', database.url, '--log-level', 'silent']);
    client = new PostgrestClient(cli.url);
  }, 60_000);
  afterAll(async () => {
    await cli?.stop();
    await database?.drop();
  });

  it('filters and orders', async () => {
    const { data, error, status } = await client
      .from('products')
      .select('id,name,price')
      .gte('price', 10)
      .order('price', { ascending: false })
      .limit(5);
    expect(error).toBeNull();
    expect(status).toBe(200);
    const expected = (await db.prepare('select id, name, price from products where price >= 10 order by price desc, id limit 5').all()) as { price: number }[];
    expect(data!.map((r) => Number(r.price))).toEqual(expected.map((r) => Number(r.price)));
  });

  it('reads a range with an exact count', async () => {
    const { data, count, error, status } = await client.from('customers').select('id', { count: 'exact' }).order('id').range(10, 19);
    expect(error).toBeNull();
    expect(status).toBe(206);
    expect(count).toBe(Number(((await db.prepare('select count(*) as n from customers').get()) as { n: number }).n));
    expect(data!.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => i + 11));
  });

  it('inserts and returns the row, updates it, deletes it', async () => {
    const inserted = await client.from('customers').insert({ email: 'e2e@example.com', name: 'E2E', city: 'Lyon' }).select().single();
    expect(inserted.error).toBeNull();
    expect(inserted.status).toBe(201);
    expect(inserted.data).toMatchObject({ email: 'e2e@example.com', name: 'E2E', city: 'Lyon' });
    const id = inserted.data!.id as number;

    const updated = await client.from('customers').update({ city: 'Nantes' }).eq('id', id).select('id,city');
    expect(updated.error).toBeNull();
    expect(updated.data).toEqual([{ id, city: 'Nantes' }]);
    expect(await db.prepare('select city from customers where id = ?').get(id)).toEqual({ city: 'Nantes' });

    const deleted = await client.from('customers').delete().eq('id', id);
    expect(deleted.error).toBeNull();
    expect(deleted.status).toBe(204);
    expect(Number(((await db.prepare('select count(*) as n from customers where id = ?').get(id)) as { n: number }).n)).toBe(0);
  });

  it('bulk inserts through columns=', async () => {
    const { data, error } = await client
      .from('categories')
      .insert([
        { name: 'E2E One', slug: 'e2e-one' },
        { name: 'E2E Two', slug: 'e2e-two', description: 'second' },
      ])
      .select('slug,description');
    expect(error).toBeNull();
    expect(data).toEqual([
      { slug: 'e2e-one', description: null },
      { slug: 'e2e-two', description: 'second' },
    ]);
  });

  it('single() and maybeSingle()', async () => {
    const one = await client.from('products').select('id,sku').eq('id', 42).single();
    expect(one.error).toBeNull();
    expect(one.data).toEqual({ id: 42, sku: ((await db.prepare('select sku from products where id = 42').get()) as { sku: string }).sku });

    const many = await client.from('products').select('id').lt('id', 5).single();
    expect(many.error?.code).toBe('PGRST116');
    expect(many.status).toBe(406);

    const none = await client.from('products').select('id').eq('id', -1).maybeSingle();
    expect(none.error).toBeNull();
    expect(none.data).toBeNull();

    const some = await client.from('products').select('id').eq('id', 7).maybeSingle();
    expect(some.data).toEqual({ id: 7 });
  });

  it('calls the demo shop actions with rpc()', async () => {
    const { data, error, status } = await client.rpc('place_order', { customer_id: 1, items: [{ product_id: 3, quantity: 1 }] });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toMatchObject({ status: 'pending', items: [{ product_id: 3, quantity: 1 }] });
    const refused = await client.rpc('place_order', { customer_id: 1, items: [{ product_id: 3, quantity: 1000 }] });
    expect(refused.status).toBe(409);
    expect(refused.error?.code).toBe('out_of_stock');
    const cancelled = await client.rpc('cancel_order', { order_id: (data as { order_id: number }).order_id });
    expect(cancelled.data).toEqual({ order_id: (data as { order_id: number }).order_id, status: 'cancelled' });
  });

  it('surfaces rowgate errors in the client', async () => {
    const { error, status } = await client.from('prodcts').select('*');
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: 'PGRST205', hint: "Perhaps you meant the table 'products'" });

    const dup = await client.from('customers').insert({ email: ((await db.prepare('select email from customers where id = 1').get()) as { email: string }).email, name: 'x' });
    expect(dup.status).toBe(409);
    expect(dup.error?.code).toBe('23505');
  });
});
}

/** Inlines numeric parameters into test SQL (the harness's query() takes no parameters). */
function bindLiterals(text: string, params: unknown[]): string {
  let i = 0;
  return text.replace(/\?/g, () => String(Number(params[i++])));
}
