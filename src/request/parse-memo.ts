/**
 * Parsing remembered: a request whose URL and headers were seen before — values aside — gets
 * the ApiRequest parsed then, with this request's values put in, instead of parsing again (about a
 * tenth of a small read's CPU). Parsing is pure, so an equal input parses equal.
 *
 * Two kinds of value are left out of the remembered URL, because where they land in `values` is
 * known: a row URL's key (`/products/5` and `/products/6` share an entry; the key parts are the
 * first values), and plain comparisons in the query string (`id=eq.5`, `price=lt.10`: a column,
 * one of eq/neq/gt/gte/lt/lte and a value with no character the grammar or percent-decoding would
 * read). For the latter the entry is made by parsing once more with a marker in each such value and
 * finding where each marker landed; a URL where that does not come out exactly is remembered whole.
 * Writes are remembered all but their body (see ParseMemo).
 */
import { parseApiRequest, type HttpInput } from './api-request.js';
import { decodePathSegment } from './query-string.js';
import type { ApiRequest, RequestAction, RequestBody } from './types.js';
import { parseRequestBody } from './request-body.js';

/** Distinct URL templates kept; past this the memo starts over, like the shape cache. */
const MEMO_LIMIT = 2000;
/** Stands for an absent header, which may parse differently from an empty one. */
const ABSENT = '\u0003';
/** Stands for a left-out value in a remembered URL. */
const HOLE = '\u0002';
/** `price=lt.`: a plain comparison's key and operator, the value after it. */
const COMPARISON = /^[A-Za-z_][A-Za-z0-9_]*=(?:eq|neq|gt|gte|lt|lte)\./;
/** A value read as it is written: nothing percent-decoding, quoting, lists or the separators would change. */
const PLAIN_VALUE = /^[^&%+(),"\\\u0000-\u001f]*$/;

interface Entry {
  readonly api: ApiRequest;
  /** Where each left-out query value goes in `values`, in the order they appear in the URL. */
  readonly slots: readonly number[];
}

/**
 * A write's URL and headers: what its body is parsed with, and an entry per kind of body (array or
 * object, and its keys), since the shape depends on them.
 */
interface Family {
  readonly action: RequestAction;
  readonly columns: readonly string[] | null;
  readonly bodies: Map<string, Entry>;
}

/** Entries by path template, then by query template (a URL remembered whole: its query and EXACT). */
type PathEntries = Map<string, Map<string, Entry | Family>>;

/** The method and parse-relevant headers of the last request, with their entries. */
interface Head {
  readonly method: string;
  readonly headers: readonly [string, string, string, string];
  readonly paths: PathEntries;
}

const NO_SLOTS: readonly string[] = [];
const NO_TEMPLATE: Template = { template: '', slots: NO_SLOTS };
const EXACT = '\u0000exact';

/**
 * Entries are found through nested maps keyed by the request's own strings (method and headers,
 * path template, query template), not one key string joined per request: joining and hashing it
 * was most of what a remembered parse allocated. Clients send the same headers request after
 * request, so the last ones are compared before any map is looked at.
 *
 * Writes (POST, PATCH, PUT with a body; not actions) are remembered too, all but the body: it is
 * parsed each time, with what the remembered URL says, and its kind and keys pick the entry.
 */
export class ParseMemo {
  private readonly heads = new Map<string, PathEntries>();
  private last: Head | null = null;
  private size = 0;

  parse(input: HttpInput): ApiRequest {
    const method = input.method;
    const writes = method === 'POST' || method === 'PATCH' || method === 'PUT';
    if (writes ? input.body === null : (method !== 'GET' && method !== 'HEAD') || input.body !== null) return parseApiRequest(input);
    const h = input.headers;
    // The headers the parse depends on (api-request.ts); anything but one plain value each is parsed.
    const accept = h.accept ?? ABSENT;
    const prefer = h.prefer ?? ABSENT;
    const third = (writes ? h['content-type'] : h.range) ?? ABSENT;
    const profile = (writes ? h['content-profile'] : h['accept-profile']) ?? ABSENT;
    if (typeof accept !== 'string' || typeof prefer !== 'string' || typeof third !== 'string' || typeof profile !== 'string') return parseApiRequest(input);

    const path = input.path;
    // Actions take their arguments from the body: left to the parser.
    if (writes && path.startsWith('/rpc/')) return parseApiRequest(input);
    let pathKey = path;
    let ids: string[] | null = null;
    const second = path.indexOf('/', 1);
    if (second > 0 && path.indexOf('/', second + 1) < 0 && !(second === 4 && path.startsWith('/rpc'))) {
      const key = path.slice(second + 1);
      ids = key.includes(',') ? key.split(',') : [key];
      // An empty key part is the parser's 404; not worth remembering.
      if (ids.includes('')) return parseApiRequest(input);
      pathKey = ids.length === 1 ? path.slice(0, second + 1) : `${path.slice(0, second + 1)}${HOLE}${ids.length}`;
    }
    const paths = this.pathsFor(method, accept, prefer, third, profile);
    const { template, slots } = queryTemplate(input.query);
    let queries = paths.get(pathKey);
    let key = template;
    let found = queries?.get(template);
    if (found === undefined && slots.length > 0) {
      // A URL whose values could not be placed is remembered whole, under its own key.
      key = input.query + EXACT;
      found = queries?.get(key);
    }
    const placedSlots = key === template ? slots : NO_SLOTS;
    if (found !== undefined) {
      if (!writes) return withValues(found as Entry, ids, placedSlots, input, null);
      const family = found as Family;
      const { body, bodyColumns } = parseRequestBody(method, family.action, input.body, third === ABSENT ? undefined : third, family.columns);
      const entry = family.bodies.get(bodyKey(body, bodyColumns));
      if (entry !== undefined) return withValues(entry, ids, placedSlots, input, body);
    }

    const api = parseApiRequest(input);
    if (this.size >= MEMO_LIMIT) {
      this.heads.clear();
      this.last = null;
      this.size = 0;
      return api;
    }
    if (queries === undefined) {
      queries = new Map();
      paths.set(pathKey, queries);
    }
    let entry = slots.length > 0 ? placeSlots(input, template, slots, api) : null;
    key = entry || slots.length === 0 ? template : input.query + EXACT;
    entry ??= { api: remembered(api), slots: [] };
    if (writes) {
      let family = queries.get(key) as Family | undefined;
      if (family === undefined) queries.set(key, (family = { action: api.action, columns: api.columns, bodies: new Map() }));
      family.bodies.set(bodyKey(api.body, api.bodyColumns), entry);
    } else {
      queries.set(key, entry);
    }
    this.size++;
    return api;
  }

  private pathsFor(method: string, a: string, b: string, c: string, d: string): PathEntries {
    const last = this.last;
    if (last !== null && last.method === method && last.headers[0] === a && last.headers[1] === b && last.headers[2] === c && last.headers[3] === d) return last.paths;
    const key = `${method}\u0000${a}\u0001${b}\u0001${c}\u0001${d}`;
    let paths = this.heads.get(key);
    if (paths === undefined) {
      paths = new Map();
      this.heads.set(key, paths);
    }
    this.last = { method, headers: [a, b, c, d], paths };
    return paths;
  }
}

/** What of a body its shape depends on: array or object, its format, and its keys. */
function bodyKey(body: RequestBody | null, columns: readonly string[] | null): string {
  if (body === null) return '';
  return `${body.isArray ? '[' : '{'}${body.format}\u0001${columns === null ? '' : columns.join('\u0001')}`;
}

interface Template {
  readonly template: string;
  readonly slots: readonly string[];
}

/** The query string with each plain comparison's value left out, and those values in order. */
function queryTemplate(query: string): Template {
  if (query === '') return NO_TEMPLATE;
  if (!query.includes('=')) return { template: query, slots: NO_SLOTS };
  const parts = query.split('&');
  let slots: string[] | null = null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const m = COMPARISON.exec(part);
    if (m === null) continue;
    const value = part.slice(m[0].length);
    if (!PLAIN_VALUE.test(value)) continue;
    (slots ??= []).push(value);
    parts[i] = m[0] + HOLE;
  }
  return slots === null ? { template: query, slots: NO_SLOTS } : { template: parts.join('&'), slots };
}

/**
 * The entry for a template: the request parsed with a marker in each left-out value, and where
 * each marker landed in `values`. Null when a marker is not found exactly once or the shape differs.
 */
function placeSlots(input: HttpInput, template: string, values: readonly string[], parsed: ApiRequest): Entry | null {
  const markers = values.map((_, i) => `${HOLE}${i}${HOLE}`);
  let n = 0;
  const marked = template.replace(new RegExp(HOLE, 'g'), () => markers[n++]!);
  let api: ApiRequest;
  try {
    api = parseApiRequest({ ...input, query: marked });
  } catch {
    return null;
  }
  if (api.shapeKey !== parsed.shapeKey) return null;
  const slots: number[] = [];
  for (const [i, marker] of markers.entries()) {
    const at = api.values.indexOf(marker);
    // Found once, and the request's own parse holds its value there as written.
    if (at < 0 || api.values.lastIndexOf(marker) !== at || parsed.values[at] !== values[i]) return null;
    slots.push(at);
  }
  return { api: remembered(api), slots };
}

/**
 * What an entry keeps of a parsed request: neither its caller (each request brings its own) nor its
 * body (a write brings its own, and a bulk body is not worth holding on to).
 */
function remembered(api: ApiRequest): ApiRequest {
  return { ...api, caller: undefined, body: null };
}

/** The remembered request with this request's key parts, query values, body and caller. */
function withValues(entry: Entry, ids: readonly string[] | null, slots: readonly string[], input: HttpInput, body: RequestBody | null): ApiRequest {
  let api = entry.api;
  if (ids !== null || slots.length > 0 || body !== null) {
    let values = api.values;
    if (ids !== null || slots.length > 0) {
      const own = values.slice();
      if (ids !== null) for (let i = 0; i < ids.length; i++) own[i] = decodePathSegment(ids[i]!);
      for (let i = 0; i < slots.length; i++) own[entry.slots[i]!] = slots[i]!;
      values = own;
    }
    api = body === null ? { ...api, values } : { ...api, values, body };
  }
  return input.caller ? { ...api, caller: input.caller } : api;
}
