import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { makeSchema, makeTable, type Column, type Table } from '../schema/model.js';
import { buildOpenApiDocument } from './openapi-document.js';
import type { ParameterObject, RefObject, ResponseObject, SchemaObject } from './openapi-types.js';

function col(name: string, type: Column['type'], extra: Partial<Column> = {}): Column {
  return {
    name,
    type,
    nativeType: type.toUpperCase(),
    nullable: false,
    defaultValue: null,
    hasDefault: false,
    generated: false,
    enumValues: null,
    maxLength: null,
    comment: null,
    ...extra,
  };
}

type TableSpec = Partial<Omit<Table, 'columnsByName' | 'name' | 'columns'>>;

function table(name: string, columns: Column[], extra: TableSpec = {}): Table {
  return makeTable({
    name,
    namespace: null,
    kind: 'table',
    columns,
    primaryKey: [],
    rowidKey: null,
    foreignKeys: [],
    uniqueConstraints: [],
    checkConstraints: [],
    insertable: true,
    updatable: true,
    deletable: true,
    comment: null,
    ...extra,
  });
}

const categories = table(
  'categories',
  [col('id', 'integer', { hasDefault: true }), col('name', 'text', { maxLength: 80, comment: 'Shown in the shop menu' })],
  { primaryKey: ['id'], comment: 'Product categories' },
);

const products = table(
  'products',
  [
    col('id', 'integer', { hasDefault: true }),
    col('name', 'text'),
    col('price', 'numeric'),
    col('stock', 'integer', { defaultValue: '0', hasDefault: true }),
    col('status', 'text', { nullable: true, enumValues: ['draft', 'active', 'archived'] }),
    col('category_id', 'integer', { nullable: true }),
    col('created_at', 'timestamptz', { defaultValue: 'CURRENT_TIMESTAMP', hasDefault: true }),
    col('value', 'number', { generated: true, hasDefault: true }),
  ],
  {
    primaryKey: ['id'],
    foreignKeys: [{ name: 'products_category_id_fkey', columns: ['category_id'], referencedTable: 'categories', referencedColumns: ['id'] }],
  },
);

const orderItems = table('order_items', [col('order_id', 'integer'), col('product_id', 'integer'), col('quantity', 'integer')], {
  primaryKey: ['order_id', 'product_id'],
  foreignKeys: [{ name: 'order_items_product_id_fkey', columns: ['product_id'], referencedTable: 'products', referencedColumns: ['id'] }],
});

/** Every ColumnType, nullable, in a SQLite table without a primary key (addressed by rowid). */
const allTypes = table(
  'all_types',
  (['integer', 'bigint', 'number', 'numeric', 'boolean', 'text', 'uuid', 'date', 'time', 'timestamp', 'timestamptz', 'json', 'blob', 'unknown'] as const).map(
    (type) => col(`c_${type}`, type, { nullable: true }),
  ),
  { rowidKey: 'rowid' },
);

const productStats = table('product_stats', [col('category_id', 'integer', { nullable: true }), col('count', 'bigint')], {
  kind: 'view',
  insertable: false,
  updatable: false,
  deletable: false,
});

const activeProducts = table('active_products', [col('id', 'integer'), col('name', 'text')], {
  kind: 'view',
  insertable: true,
  updatable: true,
  deletable: false,
});

/** A name that is not component-safe, and no key at all. */
const auditLog = table('audit log', [col('at', 'timestamp'), col('what', 'text')]);

const tables = [products, categories, orderItems, allTypes, productStats, activeProducts, auditLog];
const schema = makeSchema(tables, 1);
const doc = buildOpenApiDocument(schema, {});

function isRef(x: unknown): x is RefObject {
  return typeof x === 'object' && x !== null && '$ref' in x;
}

function component<T>(r: RefObject | T): T {
  if (!isRef(r)) return r;
  const [, , kind, key] = r.$ref.split('/');
  return (doc.components as Record<string, Record<string, unknown>>)[kind][key] as T;
}

function parameterNames(path: string, method: 'get' | 'post' | 'patch' | 'delete' | 'put' | 'head'): string[] {
  return (doc.paths[path][method]?.parameters ?? []).map((p) => component<ParameterObject>(p).name);
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('buildOpenApiDocument', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('resolves every $ref to a component that exists', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const r of refs) expect(component({ $ref: r }), r).toBeDefined();
  });

  it('is deterministic and independent of the order tables were introspected in', () => {
    const again = buildOpenApiDocument(makeSchema([...tables].reverse(), 1), {});
    expect(JSON.stringify(again)).toBe(JSON.stringify(doc));
    const tablePaths = Object.keys(doc.paths).filter((p) => !p.startsWith('/_') && p !== '/' && !p.endsWith('{id}'));
    expect(tablePaths).toEqual(['/active_products', '/all_types', '/audit%20log', '/categories', '/order_items', '/product_stats', '/products']);
  });

  it('has info, servers and the system paths', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('rowgate');
    expect(doc.info.description.split('\n')).toHaveLength(5);
    expect(doc.servers).toBeUndefined();
    const custom = buildOpenApiDocument(schema, { title: 'shop', version: '2.0.0', serverUrl: 'http://127.0.0.1:3000' });
    expect(custom.info).toMatchObject({ title: 'shop', version: '2.0.0' });
    expect(custom.servers).toEqual([{ url: 'http://127.0.0.1:3000' }]);
    expect(doc.paths['/'].get?.operationId).toBe('_.openapi');
    expect(Object.keys(doc.paths['/_/health'].get?.responses ?? {})).toEqual(['200']);
    expect(Object.keys(doc.paths['/_/ready'].get?.responses ?? {})).toEqual(['200', '503']);
  });

  it('gives tables every method, views only what they allow, and row URLs only to keyed tables', () => {
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).filter((k) => k !== 'parameters');
    expect(methods('/products')).toEqual(['get', 'head', 'post', 'patch', 'delete']);
    expect(methods('/products/{id}')).toEqual(['get', 'patch', 'put', 'delete']);
    expect(methods('/product_stats')).toEqual(['get', 'head']);
    expect(doc.paths['/product_stats/{id}']).toBeUndefined();
    expect(methods('/active_products')).toEqual(['get', 'head', 'post', 'patch']);
    expect(doc.paths['/audit%20log/{id}']).toBeUndefined();
    expect(methods('/all_types/{id}')).toEqual(['get', 'patch', 'put', 'delete']);
    expect(doc.paths['/products'].put).toBeUndefined();
  });

  it('describes the row URL key: single, composite and rowid', () => {
    const id = (path: string) => component<ParameterObject>(doc.paths[path].parameters![0]);
    expect(id('/products/{id}')).toMatchObject({ name: 'id', in: 'path', required: true, schema: { type: 'integer' } });
    expect(id('/order_items/{id}').schema).toEqual({ type: 'string' });
    expect(id('/order_items/{id}').description).toContain('comma-separated');
    expect(id('/order_items/{id}').description).toContain('/order_items/5,6');
    expect(id('/all_types/{id}').description).toContain('rowid');
  });

  it('gives every operation a unique operationId, a summary and the table tag', () => {
    const ops = Object.values(doc.paths).flatMap((item) =>
      (['get', 'head', 'post', 'put', 'patch', 'delete'] as const).flatMap((m) => (item[m] ? [item[m]] : [])),
    );
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of ops) expect(op.summary.length).toBeGreaterThan(0);
    expect(ids.filter((id) => id.startsWith('products.')).sort()).toEqual(
      ['products.create', 'products.delete', 'products.get', 'products.head', 'products.list', 'products.patch', 'products.remove', 'products.replace', 'products.update'],
    );
    expect(doc.paths['/products'].get?.tags).toEqual(['products']);
    expect(doc.tags.map((t) => t.name)).toEqual([...tables.map((t) => t.name).sort(), 'system']);
    expect(doc.tags.find((t) => t.name === 'categories')?.description).toBe('Product categories');
    expect(doc.tags.find((t) => t.name === 'product_stats')?.description).toBe('A read-only view.');
  });

  it('maps every column type, with null in the type of nullable columns', () => {
    const props = doc.components.schemas.all_types.properties as Record<string, SchemaObject>;
    expect(props).toEqual({
      c_integer: { type: ['integer', 'null'] },
      c_bigint: { type: ['integer', 'null'], format: 'int64' },
      c_number: { type: ['number', 'null'], format: 'double' },
      c_numeric: { type: ['number', 'null'] },
      c_boolean: { type: ['boolean', 'null'] },
      c_text: { type: ['string', 'null'] },
      c_uuid: { type: ['string', 'null'], format: 'uuid' },
      c_date: { type: ['string', 'null'], format: 'date' },
      c_time: { type: ['string', 'null'], format: 'time' },
      c_timestamp: { type: ['string', 'null'], format: 'date-time' },
      c_timestamptz: { type: ['string', 'null'], format: 'date-time' },
      c_json: {},
      c_blob: { type: ['string', 'null'], contentEncoding: 'base64' },
      c_unknown: { type: ['string', 'null'] },
    });
  });

  it('writes enums, lengths, defaults, comments and PostgREST key notes', () => {
    const props = doc.components.schemas.products.properties as Record<string, SchemaObject>;
    expect(props.status).toEqual({ type: ['string', 'null'], enum: ['draft', 'active', 'archived', null] });
    expect(props.id.description).toBe('Note: This is a Primary Key.<pk/>\n\nFilled in by the database when omitted.');
    expect(props.category_id.description).toBe("Note: This is a Foreign Key to `categories.id`.<fk table='categories' column='id'/>");
    expect(props.created_at.description).toBe('Default: `CURRENT_TIMESTAMP`.');
    expect(props.value.readOnly).toBe(true);
    const name = (doc.components.schemas.categories.properties as Record<string, SchemaObject>).name;
    expect(name).toEqual({ type: 'string', maxLength: 80, description: 'Shown in the shop menu' });
  });

  it('requires on insert only what the database cannot fill in, and nothing on update', () => {
    const s = doc.components.schemas;
    expect(s.products.required).toEqual(['id', 'name', 'price', 'stock', 'created_at', 'value']);
    expect(s['products.insert'].required).toEqual(['name', 'price']);
    expect((s['products.insert'].properties as Record<string, SchemaObject>).value.readOnly).toBe(true);
    expect(s['products.update'].required).toBeUndefined();
    expect(s['order_items.insert'].required).toEqual(['order_id', 'product_id', 'quantity']);
    expect(s['all_types.insert'].required).toBeUndefined();
    // Body schemas exist only where a method takes them.
    expect(s['product_stats.insert']).toBeUndefined();
    expect(s['product_stats.update']).toBeUndefined();
    expect(s['active_products.insert']).toBeDefined();
    expect(s.Error.required).toEqual(['code', 'message', 'details', 'hint']);
  });

  it('keeps component keys safe and unique, whatever the table names', () => {
    expect(doc.components.schemas.audit_log).toBeDefined();
    expect(doc.paths['/audit%20log'].get?.operationId).toBe('audit_log.list');
    const odd = buildOpenApiDocument(makeSchema([table('Error', [col('a b', 'text'), col('a_b', 'text')]), table('system', [col('x', 'text')])], 1), {});
    expect(odd.components.schemas.Error.required).toEqual(['code', 'message', 'details', 'hint']);
    expect(odd.components.schemas.Error_2).toBeDefined();
    expect(Object.keys(odd.components.parameters).filter((k) => k.startsWith('rowFilter.Error_2.'))).toEqual(['rowFilter.Error_2.a_b_2', 'rowFilter.Error_2.a_b']);
    expect(odd.tags.map((t) => t.name)).toEqual(['Error', 'system', 'system_']);
  });

  it('lists the grammar parameters and one filter per column', () => {
    expect(parameterNames('/products', 'get')).toEqual([
      'select', 'id', 'name', 'price', 'stock', 'status', 'category_id', 'created_at', 'value',
      'or', 'and', 'order', 'limit', 'offset', 'Range', 'Range-Unit', 'Prefer', 'Accept',
    ]);
    expect(parameterNames('/products', 'post')).toEqual(['select', 'columns', 'on_conflict', 'Prefer', 'Accept']);
    expect(parameterNames('/products', 'patch')).toContain('columns');
    expect(parameterNames('/all_types', 'get')).toContain('rowid');
    const status = component<ParameterObject>(doc.paths['/products'].get!.parameters![5]);
    expect(status.name).toBe('status');
    for (const op of ['eq.', 'neq.', 'gt.', 'in.(', 'is.null', 'not.', 'like.', 'ilike.', 'fts.']) expect(status.description).toContain(op);
    expect(status.description).toContain('`archived`');
    expect(status.example).toBe('eq.draft');
  });

  it('enumerates the Prefer tokens each method understands', () => {
    const tokens = (key: string) => {
      const items = doc.components.parameters[key].schema.items as SchemaObject;
      return (items.enum ?? (items.anyOf![0] as SchemaObject).enum) as string[];
    };
    expect(tokens('preferRead')).toEqual(['count=exact', 'count=planned', 'count=estimated', 'handling=lenient', 'handling=strict']);
    expect(tokens('preferCreate')).toEqual(expect.arrayContaining(['return=representation', 'resolution=merge-duplicates', 'missing=default', 'tx=rollback']));
    expect(tokens('preferUpdate')).not.toContain('resolution=merge-duplicates');
    expect(JSON.stringify(doc.components.parameters.preferDelete.schema)).toContain('max-affected');
    expect(doc.components.parameters.accept.schema.enum).toEqual(['application/json', 'application/vnd.pgrst.object+json', 'text/csv', 'application/x-ndjson']);
    expect(doc.components.parameters.limit.schema).toEqual({ type: 'integer', minimum: 0 });
    const capped = buildOpenApiDocument(schema, { maxRows: 1000 });
    expect(capped.components.parameters.limit.schema.maximum).toBe(1000);
  });

  it('answers with the statuses, headers and formats of the grammar', () => {
    const list = doc.paths['/products'].get!.responses;
    expect(Object.keys(list)).toEqual(['200', '206', '300', '400', '404', '406', '416', '503', '504']);
    const partial = component<ResponseObject>(list['206']);
    expect(partial.headers?.['Content-Range']).toEqual({ $ref: '#/components/headers/ContentRange' });
    expect(Object.keys(partial.content ?? {})).toEqual(['application/json', 'application/vnd.pgrst.object+json', 'text/csv', 'application/x-ndjson']);
    const created = doc.paths['/products'].post!.responses['201'] as { headers: Record<string, unknown> };
    expect(Object.keys(created.headers)).toContain('Location');
    expect(Object.keys(doc.paths['/products'].post!.responses)).toEqual(expect.arrayContaining(['201', '409', '413', '415']));
    expect(Object.keys(doc.paths['/products'].patch!.responses)).toEqual(expect.arrayContaining(['200', '204', '409']));
    expect(Object.keys(doc.paths['/products/{id}'].delete!.responses)).toEqual(expect.arrayContaining(['200', '204', '404']));
    const unavailable = doc.components.responses.Unavailable;
    expect(unavailable.headers?.['Retry-After']).toBeDefined();
    expect(unavailable.description).toContain('`08000`');
  });

  it('has schemas that accept real rows and bodies (checked with ajv as JSON Schema 2020-12)', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    for (const [key, s] of Object.entries(doc.components.schemas)) ajv.addSchema(s, key);
    const check = (key: string, value: unknown) => ajv.validate(key, value);
    const row = { id: 1, name: 'Mug', price: 9.5, stock: 3, status: null, category_id: 2, created_at: '2024-01-31T08:00:00Z', value: 28.5 };
    expect(check('products', row)).toBe(true);
    expect(check('products', { ...row, status: 'gone' })).toBe(false);
    expect(check('products.insert', { name: 'Mug', price: 9.5 })).toBe(true);
    expect(check('products.insert', { name: 'Mug' })).toBe(false);
    expect(check('products.update', { stock: 2 })).toBe(true);
    expect(check('Error', { code: 'PGRST116', message: 'x', details: null, hint: null })).toBe(true);
  });
});
