/**
 * The error catalog: every error rowgate answers with, grouped by the stage that raises it.
 * Codes are PostgREST's where rowgate reproduces a PostgREST condition, SQLSTATE for database
 * conditions (normalised across engines by each dialect), and `RGxxx` for rowgate's own.
 * Retired codes stay here, marked, and are never reused. `docs/errors.md` lists the same codes;
 * a test keeps the two in step.
 */
import { RowgateError } from './rowgate-error.js';

type Extra = { details?: string | null; hint?: string | null; cause?: unknown; headers?: Record<string, string> };

/** Every code in the catalog with its HTTP status; the single source for docs and tests. */
export const ERROR_CODES = {
  // --- 1. request grammar (parse stage) ---
  PGRST100: 400, // query string does not parse: select, filter, order, logic tree, limit
  PGRST102: 400, // body is not valid JSON, or bulk objects do not share their keys
  PGRST103: 416, // Range header or limit/offset out of range
  PGRST105: 405, // PUT used where it cannot be (no row URL / filters not on the whole key)
  PGRST106: 406, // Accept-Profile / Content-Profile names a schema that is not served
  PGRST107: 415, // Content-Type not supported
  PGRST114: 400, // PUT with limit or offset
  PGRST115: 400, // PUT body disagrees with the key in the URL
  PGRST117: 405, // method not supported on this path
  PGRST122: 400, // invalid Prefer with handling=strict
  PGRST125: 404, // path does not name anything
  PGRST127: 400, // feature not implemented (yet) for this request
  RG406: 406, // Accept names no format rowgate can produce
  // --- 2. schema and plan ---
  PGRST116: 406, // singular response requested, but not exactly one row
  PGRST124: 400, // Prefer max-affected exceeded
  PGRST108: 400, // filter, order or limit on an embedded resource that is not in select
  PGRST118: 400, // order by a column of an embedding that is not to-one
  PGRST119: 400, // spread of a to-many embedding
  PGRST120: 400, // a filter other than is.null / not.is.null on an embedding
  PGRST200: 400, // no relationship between the tables of an embedding
  PGRST201: 300, // ambiguous embedding: several relationships match
  PGRST101: 405, // GET on an action that is not read-only
  PGRST202: 404, // unknown action / function
  PGRST204: 400, // unknown column in body or columns=
  PGRST205: 404, // unknown table
  '42703': 400, // unknown column in select, filter or order
  '42883': 400, // operator or cast that does not apply to the column's type
  '42601': 400, // syntax error in a full-text search query
  '42P10': 400, // on_conflict names columns with no unique constraint over exactly them
  '42704': 400, // unknown type name in a ::cast
  '22P02': 400, // a value that does not convert to the column's type
  RG404: 404, // row URL names a row that does not exist (or the caller may not see)
  '22023': 400, // invalid parameter value (bad regular expression, bad limit)
  RG100: 400, // PATCH/DELETE without any filter, refused by the safe-update rule
  RG101: 400, // body names a generated column or a column that cannot be written
  RG102: 405, // table or view is not insertable/updatable/deletable
  RG103: 400, // row URL on a table without a key, or key with the wrong number of parts
  RG104: 400, // select/embedding nested deeper than allowed
  RG110: 400, // action input does not match the action's schema
  RG111: 422, // Idempotency-Key reused for a different request
  RG105: 400, // keyset pagination (after=) that cannot work: nullable order, offset, bad cursor
  // --- 3. auth ---
  PGRST301: 401, // token invalid
  PGRST302: 401, // anonymous access disabled
  PGRST303: 401, // token expired, not yet valid, or for another audience or issuer
  '42501': 403, // insufficient privilege
  // --- 4. database (SQLSTATE, normalised from each engine's native codes) ---
  '23505': 409, // unique violation
  '23503': 409, // foreign key violation
  '23502': 400, // not null violation
  '23514': 400, // check violation
  '22001': 400, // value too long for the column
  '22003': 400, // numeric value out of range
  '22007': 400, // invalid date/time format
  '22008': 400, // date/time field out of range
  '25006': 405, // read-only transaction (write attempted on a read-only connection)
  P0001: 400, // a database function raised an exception (RAISE EXCEPTION)
  '40001': 503, // serialization failure that retries could not resolve
  '57014': 504, // statement timeout: the query was cancelled
  '08000': 503, // database unavailable (connection refused, lost, pool exhausted)
  '53300': 503, // too many connections
  // --- 5. server edge ---
  RG413: 413, // request body larger than the limit
  RG429: 429, // rate limited
  RG504: 504, // request timeout
  RG501: 501, // a transfer coding the server does not implement (Transfer-Encoding other than chunked)
  RG500: 500, // an unexpected internal error (a bug: logged with its cause, never detailed to the client)
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function rowgateError(code: ErrorCode, message: string, extra: Extra = {}): RowgateError {
  return new RowgateError(code, ERROR_CODES[code], message, extra);
}

// Constructors for the conditions the stages raise most; each keeps PostgREST's wording where it has one.

export const errors = {
  parse: (message: string, details: string | null = null, hint: string | null = null) =>
    rowgateError('PGRST100', message, { details, hint }),
  invalidBody: (message: string, details: string | null = null) => rowgateError('PGRST102', message, { details }),
  unsupportedMediaType: (contentType: string) =>
    rowgateError('PGRST107', `Content-Type not acceptable: ${contentType}`, {
      hint: 'Send application/json (or text/csv for bulk inserts).',
    }),
  notAcceptable: (accept: string) =>
    rowgateError('RG406', `None of these media types are available: ${accept}`, {
      hint: 'Ask for application/json, application/vnd.pgrst.object+json, text/csv or application/x-ndjson.',
    }),
  methodNotAllowed: (method: string, path: string) =>
    rowgateError('PGRST117', `Unsupported HTTP method: ${method} on ${path}`),
  unknownPath: (path: string) => rowgateError('PGRST125', `Invalid path specified in request URL: ${path}`),
  unknownTable: (name: string, closest: string | null) =>
    rowgateError('PGRST205', `Could not find the table '${name}' in the schema cache`, {
      hint: closest ? `Perhaps you meant the table '${closest}'` : null,
    }),
  unknownColumn: (table: string, column: string, closest: string | null) =>
    rowgateError('42703', `column ${table}.${column} does not exist`, {
      hint: closest ? `Perhaps you meant to reference the column "${table}.${closest}".` : null,
    }),
  unknownBodyColumn: (table: string, column: string, closest: string | null) =>
    rowgateError('PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`, {
      hint: closest ? `Perhaps you meant the column '${closest}'` : null,
    }),
  invalidValue: (column: string, type: string, value: string) =>
    rowgateError('22P02', `invalid input syntax for type ${type}: "${truncate(value)}"`, {
      details: `The value given for column '${column}' is not a valid ${type}.`,
    }),
  singularity: (rows: number) =>
    rowgateError('PGRST116', 'JSON object requested, multiple (or no) rows returned', {
      details: `The result contains ${rows} rows`,
    }),
  notImplemented: (what: string, hint: string | null = null) =>
    rowgateError('PGRST127', `Feature not implemented: ${what}`, { hint }),
  notNull: (table: string, column: string) =>
    rowgateError('23502', `null value in column "${column}" of relation "${table}" violates not-null constraint`, {
      details: `Column '${column}' is required and has no default.`,
    }),
  rowNotFound: (table: string) =>
    rowgateError('RG404', `No row of '${table}' has that key`, {
      hint: 'Row URLs take the primary key; composite keys are comma separated in key order.',
    }),
  internal: (cause: unknown) => rowgateError('RG500', 'Internal server error', { cause }),
};

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
