/**
 * Stage 1 of the pipeline: HTTP in, ApiRequest out. This module maps method + path to an action
 * and a target, calls the parsers of the query string, headers and body, and computes the
 * request's shapeKey. It knows neither the schema nor SQL: `/nosuch` parses fine and is the plan
 * stage's 404. Pure: no I/O, no clock; every malformed input is a 4xx RowgateError.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import { negotiateAccept } from './media-type.js';
import { parsePreferences } from './preferences.js';
import { parseQueryParams } from './query-params.js';
import { decodePathSegment } from './query-string.js';
import { parseRangeHeader, resolveRanges } from './range-header.js';
import { parseRequestBody } from './request-body.js';
import type { ApiRequest, RequestAction, Target, ValueRef } from './types.js';
import type { Caller } from '../actions/define-action.js';

/** Values (filter operands, in.() terms, keys) one request may carry. */
export const MAX_VALUES = 20_000;

export interface HttpInput {
  /** As received, e.g. 'GET'; methods are case-sensitive (RFC 9110), so 'get' is refused. */
  method: string;
  /** URL path without query string, still percent-encoded, stripped of any mount prefix: '/products/5'. */
  path: string;
  /** Raw query string without '?', still percent-encoded ('' if none). */
  query: string;
  /** Lower-case names (node's IncomingHttpHeaders). */
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text, null if none. */
  body: string | null;
  /** Who is asking, when auth decided it; carried into the ApiRequest for binding rule values. */
  caller?: Caller;
}

/**
 * `GET /products?select=id,name&price=lt.10` with `Prefer: count=exact` → the ApiRequest.
 * Errors: see each parser; here PGRST125 (404) for a path that names nothing (`/a/b/c`, `//`)
 * and PGRST117 (405) for a method the path does not take, and PGRST114 for `PUT ?limit=`.
 */
export function parseApiRequest(input: HttpInput): ApiRequest {
  const values: string[] = [];
  const target = parseTarget(input.path, values);
  const method = input.method as ApiRequest['method'];
  const action = actionFor(input.method, target, input.path);
  const isRead = method === 'GET' || method === 'HEAD';
  const query = parseQueryParams(input.query, values, { rpcRead: target.kind === 'rpc' && isRead });

  // PostgREST: "limit/offset querystring parameters are not allowed for PUT" (a PUT is one row)
  if (method === 'PUT' && query.limits.some((l) => l.path.length === 0)) {
    throw rowgateError('PGRST114', 'limit/offset querystring parameters are not allowed for PUT');
  }
  // RFC 9110 §14.2: a server MUST ignore Range on methods other than GET (PostgREST ignores it on HEAD too)
  const rangeHeader = method === 'GET' ? parseRangeHeader(firstHeader(input.headers.range)) : null;
  const ranges = resolveRanges(query.limits, rangeHeader, values);
  // Every value is a bound parameter, and engines bind at most 32,766 (SQLite) or 65,535 per statement.
  if (values.length > MAX_VALUES) {
    throw errors.parse(`The request holds ${values.length} values; at most ${MAX_VALUES} are allowed`, null, 'Split the request, or filter on a range instead of a long in.() list.');
  }

  const preferences = parsePreferences(input.headers.prefer);
  // OPTIONS answers with headers only, whatever the client accepts
  const accept = method === 'OPTIONS' ? 'json' : negotiateAccept(joinedHeader(input.headers.accept), target.kind === 'root');
  const { body, bodyColumns } = parseRequestBody(method, action, input.body, firstHeader(input.headers['content-type']), query.columns);

  const request: Omit<ApiRequest, 'shapeKey'> = {
    method,
    action,
    target,
    select: query.select,
    where: query.where,
    order: query.order,
    ranges,
    columns: query.columns,
    onConflict: query.onConflict,
    preferences,
    accept,
    bodyColumns,
    body,
    rpcArgs: query.rpcArgs,
    after: query.after,
    // PostgREST: Accept-Profile chooses the schema of GET/HEAD, Content-Profile that of writes.
    profile: firstHeader(isRead || method === 'OPTIONS' ? input.headers['accept-profile'] : input.headers['content-profile'])?.trim() || null,
    values,
    // Always a key (undefined without a caller), so copies that set it keep V8's fast object paths.
    caller: input.caller,
  };
  return { ...request, shapeKey: shapeKeyOf(request) };
}

/**
 * The request without its values: equal for `?id=eq.1` and `?id=eq.2`, different for `in.(1,2)`
 * and `in.(1,2,3)` or `is.null` and `is.true`. Values are numbered in parse order, so refs are
 * themselves part of the shape. Row contents are left out; whether the body was an array is not.
 */
export function shapeKeyOf(r: Omit<ApiRequest, 'shapeKey' | 'values'>): string {
  // Built by hand rather than as one JSON.stringify of everything: the common parts (no select, no
  // preferences, one key part) cost a string join, and only the parts present are serialised.
  // Every part is either JSON or a fixed word, and JSON never holds the separator unescaped.
  const t = r.target;
  const target = t.kind === 'root' ? 'root' : t.kind === 'row' ? `row${JSON.stringify(t.name)}${t.id.join(',')}` : `${t.kind}${JSON.stringify(t.name)}`;
  const p = r.preferences;
  const preferences =
    p.return === null && p.count === null && p.resolution === null && p.missing === null && p.tx === null && p.handling === null && p.maxAffected === null && p.timezone === null && p.invalid.length === 0
      ? ''
      : JSON.stringify(p);
  const json = (v: unknown) => (v === null || v === undefined || (Array.isArray(v) && v.length === 0) ? '' : JSON.stringify(v));
  return [
    r.method,
    r.action,
    target,
    r.select === null ? 'null' : JSON.stringify(r.select),
    json(r.where),
    json(r.order),
    json(r.ranges),
    json(r.columns),
    json(r.onConflict),
    preferences,
    r.accept,
    json(r.bodyColumns),
    r.body === null ? 'null' : String(r.body.isArray),
    json(r.rpcArgs),
    r.after === undefined || r.after === null ? '' : String(r.after),
    r.profile ? JSON.stringify(r.profile) : '',
  ].join('\u0001');
}

/**
 * `/` → root, `/products` → table, `/products/5` and `/order_items/7,3` → row (id parts split on
 * `,` before decoding, so `%2C` is a comma inside a key), `/rpc/place_order` → rpc.
 * Names are percent-decoded. Error: deeper paths or empty segments → PGRST125
 * `Invalid path specified in request URL: /a/b/c`.
 */
export function parseTarget(path: string, values: string[]): Target {
  if (path === '' || path === '/') return { kind: 'root' };
  if (path.charCodeAt(0) !== 47) throw errors.unknownPath(path);
  const second = path.indexOf('/', 1);
  if (second < 0) return { kind: 'table', name: segment(path, 1, path.length) };
  if (path.indexOf('/', second + 1) >= 0) throw errors.unknownPath(path);
  const first = segment(path, 1, second);
  const rest = path.slice(second + 1);
  if (rest === '') throw errors.unknownPath(path);
  if (first === 'rpc') return { kind: 'rpc', name: decodePathSegment(rest) };
  const id: ValueRef[] = [];
  for (const part of rest.split(',')) {
    if (part === '') throw errors.unknownPath(path);
    id.push(values.push(decodePathSegment(part)) - 1);
  }
  return { kind: 'row', name: first, id };
}

function segment(path: string, from: number, to: number): string {
  if (to === from) throw errors.unknownPath(path);
  return decodePathSegment(path.slice(from, to));
}

/** PostgREST's getAction: which methods each kind of path takes. */
function actionFor(method: string, target: Target, path: string): RequestAction {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return target.kind === 'rpc' ? 'call' : 'read';
    case 'OPTIONS':
      return 'options';
    case 'POST':
      if (target.kind === 'rpc') return 'call';
      if (target.kind === 'table') return 'insert';
      break;
    case 'PATCH':
      if (target.kind === 'table' || target.kind === 'row') return 'update';
      break;
    case 'PUT':
      if (target.kind === 'table' || target.kind === 'row') return 'upsert';
      break;
    case 'DELETE':
      if (target.kind === 'table' || target.kind === 'row') return 'delete';
      break;
  }
  throw errors.methodNotAllowed(method, path);
}

/** node joins most repeated headers already; an array is joined as a list would be. */
function joinedHeader(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(', ') : h;
}

function firstHeader(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}
