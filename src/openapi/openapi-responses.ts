/**
 * The response side: the error responses kept once in `components.responses` (their codes listed
 * from the error catalog, so the document follows it), and the bodies a table's operations
 * return in each media type. Which operation answers with which status is `openapi-paths.ts`'s.
 */
import { ERROR_CODES } from '../errors/catalog.js';
import { MEDIA_TYPES } from './openapi-parameters.js';
import { ref, type MediaTypeObject, type RefObject, type ResponseObject } from './openapi-types.js';

interface ErrorResponse {
  readonly status: number;
  readonly about: string;
  readonly example: { code: string; message: string; details: string | null; hint: string | null };
  readonly retryAfter?: boolean;
}

/** Keyed by the name used in `#/components/responses/<name>`. */
const ERROR_RESPONSES = {
  Ambiguous: {
    status: 300,
    about: 'An embedding matches several relationships; name the one you mean with `!fk_name`.',
    example: {
      code: 'PGRST201',
      message: "Could not embed because more than one relationship was found for 'orders' and 'customers'",
      details: null,
      hint: "Try changing 'customers' to one of: 'customers!orders_customer_id_fkey', 'customers!orders_referrer_id_fkey'",
    },
  },
  BadRequest: {
    status: 400,
    about: 'The query does not parse, names an unknown column, or a value does not fit its column.',
    example: { code: '42703', message: 'column products.prize does not exist', details: null, hint: 'Perhaps you meant "price"' },
  },
  NotFound: {
    status: 404,
    about: 'Unknown table, or no row at the row URL.',
    example: { code: 'PGRST205', message: "Could not find the table 'prodcts'", details: null, hint: "Perhaps you meant the table 'products'" },
  },
  NotAcceptable: {
    status: 406,
    about: '`Accept` names a format rowgate cannot produce, or `application/vnd.pgrst.object+json` matched other than exactly one row.',
    example: { code: 'PGRST116', message: 'Cannot coerce the result to a single JSON object', details: 'The result contains 0 rows', hint: null },
  },
  Conflict: {
    status: 409,
    about: 'A unique or foreign key constraint would be violated.',
    example: { code: '23505', message: 'duplicate key value violates unique constraint "products_sku_key"', details: 'Key (sku)=(A-1) already exists.', hint: null },
  },
  PayloadTooLarge: {
    status: 413,
    about: 'The request body is larger than the configured limit.',
    example: { code: 'RG413', message: 'Request body is larger than 1048576 bytes', details: null, hint: null },
  },
  UnsupportedMediaType: {
    status: 415,
    about: 'The body is not `application/json`.',
    example: { code: 'PGRST107', message: 'The request\'s Content-Type "text/plain" is not supported', details: null, hint: null },
  },
  RangeNotSatisfiable: {
    status: 416,
    about: '`Range`, `limit` or `offset` is out of range.',
    example: { code: 'PGRST103', message: 'Requested range not satisfiable', details: 'An offset of 100 was requested, but there are only 42 rows.', hint: null },
  },
  Unavailable: {
    status: 503,
    about: 'The database cannot be reached; try again after `Retry-After` seconds.',
    example: { code: '08000', message: 'Database unavailable', details: null, hint: null },
    retryAfter: true,
  },
  Timeout: {
    status: 504,
    about: 'The statement ran longer than the timeout and was cancelled.',
    example: { code: '57014', message: 'canceling statement due to statement timeout', details: null, hint: null },
  },
} satisfies Record<string, ErrorResponse>;

export type ErrorResponseName = keyof typeof ERROR_RESPONSES;

/** `components.responses`: one per error status, each with the catalog codes it may carry. */
export function errorResponses(): Record<string, ResponseObject> {
  const out: Record<string, ResponseObject> = {};
  for (const [name, spec] of Object.entries(ERROR_RESPONSES) as [ErrorResponseName, ErrorResponse][]) {
    const codes = Object.entries(ERROR_CODES)
      .filter(([, status]) => status === spec.status)
      .map(([code]) => `\`${code}\``);
    const response: ResponseObject = {
      description: codes.length > 0 ? `${spec.about} Codes: ${codes.join(', ')}.` : spec.about,
      content: { 'application/json': { schema: ref('schemas', 'Error'), example: spec.example } },
    };
    if (spec.retryAfter) response.headers = { 'Retry-After': ref('headers', 'RetryAfter') };
    out[name] = response;
  }
  return out;
}

/** `{ '404': { $ref: '#/components/responses/NotFound' }, … }` for the named errors. */
export function errorRefs(names: readonly ErrorResponseName[]): Record<string, RefObject> {
  return Object.fromEntries(names.map((name) => [String(ERROR_RESPONSES[name].status), ref('responses', name)]));
}

/** A list of rows in every format `Accept` may ask for. */
export function rowsContent(row: RefObject): Record<string, MediaTypeObject> {
  const [json, object, csv, ndjson] = MEDIA_TYPES;
  return {
    [json]: { schema: { type: 'array', items: row } },
    [object]: { schema: row },
    [csv]: { schema: { type: 'string', description: 'A header line with the column names, then one line per row.' } },
    [ndjson]: { schema: { type: 'string', description: 'One JSON object per line.' } },
  };
}

/** The one row a row URL addresses. */
export function rowContent(row: RefObject): Record<string, MediaTypeObject> {
  return { 'application/json': { schema: row } };
}
