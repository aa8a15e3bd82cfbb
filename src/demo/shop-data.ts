/**
 * The demo shop's data, generated deterministically: the same rows, byte for byte, on every run and
 * every engine. Plain rows only (JS booleans, numbers with two decimals, ISO 8601 text timestamps);
 * each engine's seeder (shop-sqlite.ts, later PostgreSQL and MySQL) owns its DDL and how it binds them.
 * No Math.random and no clock: a seeded PRNG per table, and dates offset from a fixed epoch.
 */

export type ShopTableName = 'categories' | 'products' | 'customers' | 'orders' | 'order_items';

export interface CategoryRow {
  readonly id: number;
  readonly name: string;
  readonly slug: string;
  readonly description: string | null;
}

export interface ProductRow {
  readonly id: number;
  readonly sku: string;
  readonly name: string;
  readonly description: string | null;
  readonly category_id: number;
  /** Two decimals, 1.00 to 499.99. */
  readonly price: number;
  readonly stock: number;
  readonly active: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface CustomerRow {
  readonly id: number;
  readonly email: string;
  readonly name: string;
  readonly city: string | null;
  readonly created_at: string;
}

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

export interface OrderRow {
  readonly id: number;
  readonly customer_id: number;
  readonly status: OrderStatus;
  /** The sum of quantity * unit_price over the order's items, to the cent. */
  readonly total: number;
  readonly created_at: string;
}

export interface OrderItemRow {
  readonly order_id: number;
  readonly product_id: number;
  readonly quantity: number;
  readonly unit_price: number;
}

export interface ShopData {
  readonly categories: readonly CategoryRow[];
  readonly products: readonly ProductRow[];
  readonly customers: readonly CustomerRow[];
  readonly orders: readonly OrderRow[];
  readonly order_items: readonly OrderItemRow[];
}

/** The tables in insertion order (parents before children), with their columns in DDL order. */
export const SHOP_TABLES: readonly { readonly name: ShopTableName; readonly columns: readonly string[] }[] = [
  { name: 'categories', columns: ['id', 'name', 'slug', 'description'] },
  {
    name: 'products',
    columns: ['id', 'sku', 'name', 'description', 'category_id', 'price', 'stock', 'active', 'created_at', 'updated_at'],
  },
  { name: 'customers', columns: ['id', 'email', 'name', 'city', 'created_at'] },
  { name: 'orders', columns: ['id', 'customer_id', 'status', 'total', 'created_at'] },
  { name: 'order_items', columns: ['order_id', 'product_id', 'quantity', 'unit_price'] },
];

export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

/** Every timestamp is this instant plus an offset; the demo's year runs to SHOP_EPOCH + 365 days. */
export const SHOP_EPOCH_MS = Date.UTC(2025, 0, 1);
export const SHOP_SEED = 20250101;
export const SHOP_PRODUCT_COUNT = 1000;
export const SHOP_CUSTOMER_COUNT = 200;
export const SHOP_ORDER_COUNT = 2000;

const DAY_MS = 86_400_000;
const YEAR_END_MS = SHOP_EPOCH_MS + 365 * DAY_MS;

type Rng = () => number;

/** mulberry32: a tiny 32-bit PRNG, good enough for demo data and identical on every platform. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One stream per table, so changing how one table is generated never reshuffles the others.
 * The table name is folded in with FNV-1a.
 */
function rngFor(table: ShopTableName, seed: number): Rng {
  let h = 0x811c9dc5;
  for (const ch of table) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return mulberry32((h ^ seed) >>> 0);
}

const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
/** Picks an index by weight: weighted(rng, [70, 20, 10]) is 0 seven times in ten. */
function weighted(rng: Rng, weights: readonly number[]): number {
  let r = rng() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i;
  return weights.length - 1;
}

/** `YYYY-MM-DDTHH:MM:SSZ`: sorts as text, parses everywhere, and whole seconds keep engines in step. */
export function shopTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
}

const list = (words: string) => words.split('|');

/**
 * code: the SKU prefix. Materials and items combine into names such as "Rustic Oak Desk Lamp"; the
 * number after an item is its typical price, so a coffee table costs more than a mug.
 */
const CATEGORIES: ReadonlyArray<readonly [name: string, code: string, description: string | null, materials: string, items: string]> = [
  ['Lighting', 'LGT', 'Lamps and lights for every room.', 'Oak|Brass|Walnut|Ceramic|Glass|Rattan',
    'Desk Lamp 45|Floor Lamp 140|Pendant Light 90|Wall Sconce 60|Table Lamp 55|Reading Light 35'],
  ['Furniture', 'FUR', 'Tables, chairs and shelves built to last.', 'Oak|Walnut|Pine|Steel|Teak|Bamboo',
    'Side Table 90|Bookshelf 210|Dining Chair 120|Coffee Table 230|Bench 160|Stool 55'],
  ['Kitchen', 'KIT', 'Cookware and tools for the daily cook.', 'Stainless Steel|Cast Iron|Ceramic|Bamboo|Copper|Enamel',
    'Saucepan 45|Cutting Board 25|Mixing Bowl 18|Kettle 40|Skillet 50|Utensil Set 22'],
  ['Tableware', 'TBW', 'Plates, bowls and glasses for the table.', 'Porcelain|Stoneware|Glass|Linen|Olive Wood',
    'Dinner Plate 14|Serving Bowl 28|Mug 10|Tumbler 8|Napkin Set 20|Serving Platter 35'],
  ['Bedding', 'BED', 'Sheets, covers and blankets.', 'Linen|Cotton|Wool|Flannel|Silk|Bamboo',
    'Duvet Cover 95|Pillowcase Pair 30|Throw Blanket 60|Fitted Sheet 45|Quilt 130|Bed Runner 40'],
  ['Bath', 'BTH', 'Towels and accessories for the bathroom.', 'Cotton|Bamboo|Teak|Ceramic|Waffle Cotton',
    'Bath Towel 22|Bath Mat 25|Soap Dish 9|Robe 65|Hand Towel Set 28|Shower Caddy 30'],
  ['Decor', 'DEC', 'Vases, frames and finishing touches.', 'Ceramic|Brass|Rattan|Glass|Jute|Marble',
    'Vase 35|Picture Frame 18|Candle Holder 16|Wall Mirror 110|Throw Pillow 30|Planter 28'],
  ['Storage', 'STO', 'Baskets, boxes and racks.', 'Seagrass|Canvas|Pine|Steel|Felt|Wicker',
    'Storage Basket 25|Shoe Rack 50|Coat Rack 70|Storage Box 15|Wall Shelf 40|Laundry Hamper 35'],
  ['Office', 'OFF', 'A tidy desk, from organisers to stands.', 'Walnut|Leather|Aluminium|Felt|Cork|Oak',
    'Desk Organizer 30|Monitor Stand 60|Notebook 6|Pen Holder 12|Desk Mat 35|Letter Tray 20'],
  ['Garden', 'GDN', 'Pots, tools and feeders.', 'Terracotta|Galvanized Steel|Cedar|Concrete|Acacia',
    'Plant Pot 15|Watering Can 25|Raised Bed 150|Bird Feeder 20|Hose Reel 55|Tool Set 40'],
  ['Outdoor', 'OUT', 'Furniture and light for patios and balconies.', 'Teak|Aluminium|Acacia|Wrought Iron|Polyrattan',
    'Lounge Chair 220|Patio Table 260|Parasol 120|Hammock 80|Lantern 30|Fire Pit 180'],
  // Kids has no description, so the demo shows a null in a text column.
  ['Kids', 'KID', null, 'Beech|Cotton|Felt|Maple|Bamboo',
    'Toy Chest 90|Play Mat 40|Stacking Blocks 20|Night Light 18|Step Stool 35|Growth Chart 15'],
];

/** Price multipliers: what a shopper would pay extra for. */
const PREMIUM_MATERIALS = new Set(list('Brass|Walnut|Teak|Marble|Silk|Leather|Copper|Cast Iron|Wool'));
const PREMIUM_ADJECTIVES = new Set(list('Deluxe|Artisan|Heritage'));
const BUDGET_ADJECTIVES = new Set(list('Compact|Everyday|Slim'));

const ADJECTIVES = list('Classic|Modern|Rustic|Minimal|Compact|Vintage|Natural|Artisan|Everyday|Deluxe|Slim|Round|Square|Heritage|Coastal|Urban');
const FEATURES = list(
  'Made to last for years of daily use.|Ships flat-packed with everything needed to assemble it.|' +
    'Easy to clean: wipe with a damp cloth.|Each piece is finished by hand, so no two are quite alike.|' +
    'Backed by a two-year warranty.|Pairs well with the rest of the collection.|' +
    'Sourced from certified sustainable suppliers.|Light enough to move from room to room.',
);
const FIRST_NAMES = list(
  'Ada|Alan|Amira|Ben|Bianca|Carlos|Chloé|Daniel|Dara|Elena|Emil|Fatima|Felix|Grace|Hana|Hugo|Ines|Isaac|' +
    'Jonas|Julia|Kenji|Lena|Liam|Lucía|Maya|Mateo|Nadia|Noah|Olivia|Omar|Priya|Rafael|Sara|Sven|Tariq|Uma|Victor|Yara|Zoë|Ingrid',
);
const LAST_NAMES = list(
  "Andersen|Baker|Costa|Dubois|Eriksson|Fischer|García|Hansen|Ito|Jensen|Kowalski|Lopez|Müller|Nakamura|O'Brien|" +
    'Petrov|Quinn|Rossi|Schmidt|Tanaka|Ueda|Varga|Weber|Xu|Young|Zimmermann|Novak|Moreau|Silva|Khan',
);
const CITIES = list(
  'Amsterdam|Barcelona|Berlin|Copenhagen|Dublin|Edinburgh|Helsinki|Lisbon|London|Lyon|Madrid|Milan|Munich|' +
    'Oslo|Paris|Porto|Prague|Rotterdam|Stockholm|Tallinn|Valencia|Vienna|Warsaw|Zurich',
);
const EMAIL_DOMAINS = list('example.com|example.net|example.org');

/** The twelve categories are fixed; only their order gives the ids. */
export function generateCategories(): CategoryRow[] {
  return CATEGORIES.map(([name, , description], i) => ({
    id: i + 1,
    name,
    slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    description,
  }));
}

/** Products exist from the shop's first two weeks on, so every order finds its items already listed. */
export function generateProducts(categories: readonly CategoryRow[], seed = SHOP_SEED): ProductRow[] {
  const rng = rngFor('products', seed);
  const names = new Set<string>();
  const products: ProductRow[] = [];
  for (let id = 1; id <= SHOP_PRODUCT_COUNT; id++) {
    const categoryIndex = int(rng, 0, categories.length - 1);
    const [, code, , materials, items] = CATEGORIES[categoryIndex];
    let adjective: string, material: string, item: string, typical: string, name: string;
    do {
      adjective = pick(rng, ADJECTIVES);
      material = pick(rng, list(materials));
      [, item, typical] = /^(.*) (\d+)$/.exec(pick(rng, list(items)))!;
      name = `${adjective} ${material} ${item}`;
    } while (names.has(name));
    names.add(name);
    const description = `${article(adjective)} ${adjective.toLowerCase()} ${item.toLowerCase()} in ${material.toLowerCase()}.`;
    const createdMs = SHOP_EPOCH_MS + rng() * 14 * DAY_MS;
    products.push({
      id,
      sku: `${code}-${String(id).padStart(5, '0')}`,
      name,
      description: rng() < 0.04 ? null : `${description} ${pick(rng, FEATURES)}`,
      category_id: categories[categoryIndex].id,
      price: priceFor(rng, Number(typical), adjective, material),
      stock: rng() < 0.03 ? 0 : int(rng, 1, 200),
      active: rng() >= 0.05,
      created_at: shopTimestamp(createdMs),
      updated_at: shopTimestamp(createdMs + rng() * 300 * DAY_MS),
    });
  }
  return products;
}

/**
 * The item's typical price, moved up to 2x either way and by the premium multipliers, then eased
 * under 500 with tanh (which leaves low prices unchanged) rather than clipped, so no pile forms at
 * the cap. Prices end in .99, .95, .49, .50 or .00, as shop prices do.
 */
function priceFor(rng: Rng, typical: number, adjective: string, material: string): number {
  let price = typical * Math.exp((rng() * 2 - 1) * Math.log(2));
  if (PREMIUM_MATERIALS.has(material)) price *= 1.3;
  if (PREMIUM_ADJECTIVES.has(adjective)) price *= 1.2;
  if (BUDGET_ADJECTIVES.has(adjective)) price *= 0.85;
  const whole = Math.max(1, Math.floor(500 * Math.tanh(price / 500))); // 1..499
  return (whole * 100 + pick(rng, [99, 99, 49, 95, 0, 50])) / 100;
}

const article = (word: string) => (/^[AEIOU]/i.test(word) ? 'An' : 'A');

export function generateCustomers(seed = SHOP_SEED): CustomerRow[] {
  const rng = rngFor('customers', seed);
  const emails = new Set<string>();
  const customers: CustomerRow[] = [];
  for (let id = 1; id <= SHOP_CUSTOMER_COUNT; id++) {
    const first = pick(rng, FIRST_NAMES);
    const last = pick(rng, LAST_NAMES);
    // "Zoë O'Brien" -> zoe.obrien@…; a number settles the rare clash.
    const local = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    const domain = pick(rng, EMAIL_DOMAINS);
    let email = `${local}@${domain}`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@${domain}`;
    emails.add(email);
    customers.push({
      id,
      email,
      name: `${first} ${last}`,
      city: rng() < 0.05 ? null : pick(rng, CITIES),
      created_at: shopTimestamp(SHOP_EPOCH_MS + (14 + rng() * 316) * DAY_MS),
    });
  }
  return customers;
}

/**
 * Orders and their items together, since an order's total is the sum of its items. Orders fall
 * between their customer's sign-up and the end of the demo year and are numbered in time order;
 * the status follows the order's age at year end (recent ones still pending or on their way).
 */
export function generateOrders(
  customers: readonly CustomerRow[],
  products: readonly ProductRow[],
  seed = SHOP_SEED,
): { orders: OrderRow[]; orderItems: OrderItemRow[] } {
  const rng = rngFor('orders', seed);
  const forSale = products.filter((p) => p.active);
  const drafts = Array.from({ length: SHOP_ORDER_COUNT }, (_, index) => {
    const customer = pick(rng, customers);
    const since = Date.parse(customer.created_at);
    const ms = since + Math.floor(rng() * (YEAR_END_MS - since));
    const chosen = new Map<number, ProductRow>();
    const itemCount = 1 + weighted(rng, [35, 30, 18, 10, 7]);
    while (chosen.size < itemCount) {
      const product = pick(rng, forSale);
      chosen.set(product.id, product);
    }
    const items = [...chosen.values()]
      .sort((a, b) => a.id - b.id)
      .map((p) => ({ product_id: p.id, quantity: 1 + weighted(rng, [70, 20, 7, 3]), unit_price: p.price }));
    return { index, customerId: customer.id, ms, status: statusFor(rng, YEAR_END_MS - ms), items };
  });
  drafts.sort((a, b) => a.ms - b.ms || a.index - b.index);

  const orders: OrderRow[] = [];
  const orderItems: OrderItemRow[] = [];
  drafts.forEach((draft, i) => {
    const id = i + 1;
    // Sum in integer cents: adding binary floats would drift off the cent the items add up to.
    const cents = draft.items.reduce((sum, item) => sum + item.quantity * Math.round(item.unit_price * 100), 0);
    orders.push({ id, customer_id: draft.customerId, status: draft.status, total: cents / 100, created_at: shopTimestamp(draft.ms) });
    for (const item of draft.items) orderItems.push({ order_id: id, ...item });
  });
  return { orders, orderItems };
}

function statusFor(rng: Rng, ageMs: number): OrderStatus {
  if (rng() < 0.05) return 'cancelled';
  const days = ageMs / DAY_MS;
  if (days > 14) return 'delivered';
  if (days > 5) return rng() < 0.5 ? 'shipped' : 'delivered';
  if (days > 1) return rng() < 0.5 ? 'paid' : 'shipped';
  return rng() < 0.5 ? 'pending' : 'paid';
}

/** The whole demo shop; the same seed always gives the same rows. */
export function generateShopData(seed = SHOP_SEED): ShopData {
  const categories = generateCategories();
  const products = generateProducts(categories, seed);
  const customers = generateCustomers(seed);
  const { orders, orderItems } = generateOrders(customers, products, seed);
  return { categories, products, customers, orders, order_items: orderItems };
}
