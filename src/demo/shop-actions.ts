/**
 * The demo shop's actions and hooks, written against rowgate's public API as a user would:
 * `place_order` takes stock with conditional updates (never read-then-write) in one global lock
 * order, records the order at current prices, and refuses as a whole with 409 `out_of_stock`;
 * `cancel_order` puts the stock back exactly once. A hook keeps `products.updated_at` current.
 */
import { Type } from '@sinclair/typebox';
import { defineAction, type ActionContext, type Caller } from '../actions/define-action.js';
import type { TableHooks } from '../hooks/table-hooks.js';

const OrderLine = Type.Object(
  {
    product_id: Type.Integer({ minimum: 1 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);

export const placeOrder = defineAction({
  name: 'place_order',
  description: 'Order products for a customer: takes the stock, records the order at current prices, all or nothing.',
  input: Type.Object(
    {
      /** Whom the order is for; a signed-in customer may leave it out (and may give only their own). */
      customer_id: Type.Optional(Type.Integer({ minimum: 1 })),
      items: Type.Array(OrderLine, { minItems: 1, maxItems: 100 }),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    order_id: Type.Integer(),
    status: Type.String(),
    total: Type.Number(),
    items: Type.Array(Type.Object({ product_id: Type.Integer(), quantity: Type.Integer(), unit_price: Type.Number() })),
  }),
  roles: ['authenticated'],
  async handler(input, ctx) {
    const { db } = ctx;
    const customer_id = orderingCustomer(ctx, input.customer_id);
    const customer = await db.selectFrom('customers').select('id').where('id', '=', customer_id).executeTakeFirst();
    if (!customer) return ctx.fail(404, 'customer_not_found', `No customer has id ${customer_id}`);

    // One line per product, taken in product id order: two orders can then never wait on each
    // other's rows in opposite orders, so they cannot deadlock.
    const lines = [...mergeLines(input.items).entries()].sort(([a], [b]) => a - b);
    for (const [productId, quantity] of lines) {
      // The condition is part of the update: stock is checked and taken in one statement, under
      // the row's lock, so concurrent orders can never take the same units twice.
      const taken = await db
        .updateTable('products')
        .set((eb) => ({ stock: eb('stock', '-', quantity) }))
        .where('id', '=', productId)
        .where('stock', '>=', quantity)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 0) await refuse(ctx, productId, quantity);
    }

    const products = await db
      .selectFrom('products')
      .select(['id', 'price'])
      .where('id', 'in', lines.map(([id]) => id))
      .execute();
    const price = new Map(products.map((p) => [Number(p.id), Number(p.price)]));
    const recorded = lines.map(([product_id, quantity]) => ({ product_id, quantity, unit_price: price.get(product_id)! }));
    const total = recorded.reduce((cents, l) => cents + Math.round(l.unit_price * 100) * l.quantity, 0) / 100;

    const orderId = await insertReturningId(ctx, 'orders', { customer_id, status: 'pending', total });
    await db
      .insertInto('order_items')
      .values(recorded.map((l) => ({ order_id: orderId, ...l })))
      .execute();
    return { order_id: orderId, status: 'pending', total, items: recorded };
  },
});

export const cancelOrder = defineAction({
  name: 'cancel_order',
  description: 'Cancel a pending or paid order and put its stock back; a second cancel is refused.',
  input: Type.Object({ order_id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  output: Type.Object({ order_id: Type.Integer(), status: Type.String() }),
  roles: ['authenticated'],
  async handler({ order_id }, ctx) {
    const { db } = ctx;
    const own = customerOf(ctx.caller);
    if (own !== null) {
      // A customer cancels only their own orders; someone else's looks like no order at all.
      const order = await db.selectFrom('orders').select('customer_id').where('id', '=', order_id).executeTakeFirst();
      if (!order || Number(order.customer_id) !== own) return ctx.fail(404, 'order_not_found', `No order has id ${order_id}`);
    }
    // Changing the status first, conditionally, is what makes a second cancel find nothing to do.
    const changed = await db
      .updateTable('orders')
      .set({ status: 'cancelled' })
      .where('id', '=', order_id)
      .where('status', 'in', ['pending', 'paid'])
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0) {
      const order = await db.selectFrom('orders').select('status').where('id', '=', order_id).executeTakeFirst();
      if (!order) return ctx.fail(404, 'order_not_found', `No order has id ${order_id}`);
      if (order.status === 'cancelled') return ctx.fail(409, 'already_cancelled', `Order ${order_id} is already cancelled`);
      return ctx.fail(409, 'not_cancellable', `Order ${order_id} is ${order.status} and can no longer be cancelled`);
    }
    const items = await db.selectFrom('order_items').select(['product_id', 'quantity']).where('order_id', '=', order_id).orderBy('product_id').execute();
    for (const item of items) {
      await db
        .updateTable('products')
        .set((eb) => ({ stock: eb('stock', '+', Number(item.quantity)) }))
        .where('id', '=', Number(item.product_id))
        .execute();
    }
    return { order_id, status: 'cancelled' };
  },
});

export const shopHooks: Record<string, TableHooks> = {
  products: {
    // Every change through the API stamps the row, whatever the client sent.
    beforeUpdate(patch) {
      return { ...patch, updated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
    },
  },
};

export const shopActions = [placeOrder, cancelOrder];

/** The customers row a signed-in caller's account is linked to (set at sign-up), or null. */
export function customerOf(caller: Caller): number | null {
  if (caller.role !== 'authenticated') return null;
  const meta = caller.claims.app_metadata as Record<string, unknown> | undefined;
  const id = Number(meta?.customer_id);
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

/** A customer orders for themselves; the service role (or anyone, without auth) names the customer. */
function orderingCustomer(ctx: ActionContext, given: number | undefined): number {
  const own = customerOf(ctx.caller);
  if (own === null) {
    if (given === undefined) return ctx.fail(400, 'customer_required', 'customer_id is required', { hint: 'Sign in as a customer, or give customer_id.' });
    return given;
  }
  if (own < 0) return ctx.fail(403, 'not_a_customer', 'This account is not linked to a customer');
  if (given !== undefined && given !== own) return ctx.fail(403, 'not_your_customer', 'A customer can order only for themselves');
  return own;
}

function mergeLines(items: readonly { product_id: number; quantity: number }[]): Map<number, number> {
  const lines = new Map<number, number>();
  for (const { product_id, quantity } of items) lines.set(product_id, (lines.get(product_id) ?? 0) + quantity);
  return lines;
}

async function refuse(ctx: ActionContext, productId: number, quantity: number): Promise<never> {
  const product = await ctx.db.selectFrom('products').select(['name', 'stock']).where('id', '=', productId).executeTakeFirst();
  if (!product) ctx.fail(404, 'product_not_found', `No product has id ${productId}`);
  ctx.fail(409, 'out_of_stock', `Not enough stock for product ${productId} (${String(product.name)}): ${Number(product.stock)} left, ${quantity} asked`, {
    details: JSON.stringify({ product_id: productId, available: Number(product.stock), requested: quantity }),
    hint: 'Order fewer, or leave this product out; nothing was ordered.',
  });
}

/** The new row's id on every engine: RETURNING where there is one, else the insert id. */
async function insertReturningId(ctx: ActionContext, table: string, values: Record<string, unknown>): Promise<number> {
  const adapter = ctx.db.getExecutor().adapter;
  if (adapter.supportsReturning) {
    const row = await ctx.db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }
  const result = await ctx.db.insertInto(table).values(values).executeTakeFirstOrThrow();
  return Number(result.insertId);
}
