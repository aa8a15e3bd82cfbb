/**
 * The request body of POST, PATCH and PUT (PostgREST's Payload.hs): JSON (one object or an array
 * of objects sharing their keys) or CSV for bulk inserts, and the body's columns. Whether those
 * columns exist, and whether the values fit their types, is checked by the plan stage.
 */
import { errors } from '../errors/catalog.js';
import { csvRows } from './csv-body.js';
import { bodyFormatOf } from './media-type.js';
import type { RequestAction, RequestBody } from './types.js';

export interface ParsedBody {
  readonly body: RequestBody | null;
  readonly bodyColumns: readonly string[] | null;
}

const NO_BODY: ParsedBody = { body: null, bodyColumns: null };
const INVALID_JSON = 'Empty or invalid json';

/**
 * `POST /products` with `{"name":"pen","price":2}` →
 * `{ body: { raw, rows: [{…}], isArray: false }, bodyColumns: ['name', 'price'] }`.
 *
 * - Only POST (insert or call), PATCH and PUT have a body; on other methods it is ignored.
 * - `bodyColumns` is `columns=` when given for an insert, update or call (keys outside it are then
 *   ignored by later stages, and objects need not share their keys, as in PostgREST), else the
 *   keys of the first object. PUT ignores `columns=`, as PostgREST does.
 * - An empty body on POST /rpc/fn means no arguments, `{}` (PostgREST does the same).
 *
 * Errors (PGRST102, 400): invalid JSON, an empty body, or a JSON value that is neither an object
 * nor an array → `Empty or invalid json`; array items that are not objects, or objects with
 * different keys → `All object keys must match`. PGRST107 (415) for any Content-Type but JSON,
 * and CSV (`text/csv`) on POST inserts.
 */
export function parseRequestBody(
  method: string,
  action: RequestAction,
  raw: string | null,
  contentType: string | undefined,
  columns: readonly string[] | null,
): ParsedBody {
  if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return NO_BODY;
  const format = bodyFormatOf(contentType);
  // CSV is for bulk inserts (PostgREST's text/csv payloads); every other write takes JSON.
  if (format === 'csv' && method === 'POST' && action === 'insert') {
    if (raw === null || raw === '') throw errors.invalidBody('Invalid CSV: the body is empty');
    const csv = csvRows(raw);
    return { body: { raw, rows: csv.rows, isArray: true, format: 'csv' }, bodyColumns: columns ?? csv.columns };
  }
  if (format !== 'json') throw errors.unsupportedMediaType(contentType ?? '');
  if (raw === null || raw === '') {
    if (action !== 'call') throw errors.invalidBody(INVALID_JSON);
    raw = '{}';
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw errors.invalidBody(INVALID_JSON);
  }
  const useColumns = action === 'upsert' ? null : columns;
  if (isObject(json)) {
    return { body: { raw, rows: [json], isArray: false }, bodyColumns: useColumns ?? Object.keys(json) };
  }
  if (!Array.isArray(json)) throw errors.invalidBody(INVALID_JSON);
  const rows = json as unknown[];
  if (rows.length === 0) return { body: { raw, rows: [], isArray: true }, bodyColumns: useColumns ?? [] };
  const first = rows[0];
  if (!isObject(first)) throw keysMustMatch();
  const keys = Object.keys(first);
  if (useColumns === null) {
    const keySet = new Set(keys);
    for (let i = 1; i < rows.length; i++) {
      const row = rows[i];
      if (!isObject(row) || !sameKeys(row, keys.length, keySet)) throw keysMustMatch();
    }
  } else {
    for (let i = 1; i < rows.length; i++) if (!isObject(rows[i])) throw keysMustMatch();
  }
  return { body: { raw, rows: rows as Record<string, unknown>[], isArray: true }, bodyColumns: useColumns ?? keys };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameKeys(row: Record<string, unknown>, count: number, keys: ReadonlySet<string>): boolean {
  const own = Object.keys(row);
  if (own.length !== count) return false;
  for (const k of own) if (!keys.has(k)) return false;
  return true;
}

function keysMustMatch() {
  return errors.invalidBody('All object keys must match');
}
