/**
 * Parsing remembered: a read whose URL and request headers were seen before — values aside — gets
 * the ApiRequest parsed then, with this request's values put in, instead of parsing again (about a
 * tenth of a small read's CPU). Parsing is pure, so an equal input parses equal.
 *
 * Two kinds of value are left out of the remembered URL, because where they land in `values` is
 * known: a row URL's key (`/products/5` and `/products/6` share an entry; the key parts are the
 * first values), and plain comparisons in the query string (`id=eq.5`, `price=lt.10`: a column,
 * one of eq/neq/gt/gte/lt/lte and a value with no character the grammar or percent-decoding would
 * read). For the latter the entry is made by parsing once more with a marker in each such value and
 * finding where each marker landed; a URL where that does not come out exactly is remembered whole.
 * Reads only: a body, and the headers of writes, are left to the parser.
 */
import { parseApiRequest, type HttpInput } from './api-request.js';
import { decodePathSegment } from './query-string.js';
import type { ApiRequest } from './types.js';

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

const NO_SLOTS: readonly string[] = [];

export class ParseMemo {
  private readonly entries = new Map<string, Entry>();

  parse(input: HttpInput): ApiRequest {
    if ((input.method !== 'GET' && input.method !== 'HEAD') || input.body !== null) return parseApiRequest(input);
    const h = input.headers;
    // The headers a read's parse depends on (api-request.ts); anything but one plain value each is parsed.
    const accept = h.accept ?? ABSENT;
    const prefer = h.prefer ?? ABSENT;
    const range = h.range ?? ABSENT;
    const profile = h['accept-profile'] ?? ABSENT;
    if (typeof accept !== 'string' || typeof prefer !== 'string' || typeof range !== 'string' || typeof profile !== 'string') return parseApiRequest(input);

    const path = input.path;
    let pathKey = path;
    let ids: string[] | null = null;
    const second = path.indexOf('/', 1);
    if (second > 0 && path.indexOf('/', second + 1) < 0 && !(second === 4 && path.startsWith('/rpc'))) {
      ids = path.slice(second + 1).split(',');
      // An empty key part is the parser's 404; not worth remembering.
      if (ids.includes('')) return parseApiRequest(input);
      pathKey = `${path.slice(0, second + 1)}${HOLE}${ids.length}`;
    }
    const { template, slots } = queryTemplate(input.query);
    const headerKey = `${accept}\u0001${prefer}\u0001${range}\u0001${profile}`;
    const key = `${input.method}\u0000${pathKey}\u0000${template}\u0000${headerKey}`;

    let entry = this.entries.get(key);
    if (entry === undefined) {
      // A URL whose values could not be placed is remembered whole, under its own key.
      const exactKey = `${input.method}\u0000${pathKey}\u0000${input.query}\u0000${headerKey}\u0000exact`;
      const exact = slots.length > 0 ? this.entries.get(exactKey) : undefined;
      if (exact !== undefined) return withValues(exact, ids, NO_SLOTS, input);
      const api = parseApiRequest(input);
      if (this.entries.size >= MEMO_LIMIT) this.entries.clear();
      const { caller: _caller, ...anonymous } = api;
      const placed = slots.length > 0 ? placeSlots(input, template, slots, api) : { api: anonymous, slots: [] };
      if (placed) this.entries.set(key, placed);
      else this.entries.set(exactKey, { api: anonymous, slots: [] });
      return api;
    }
    return withValues(entry, ids, slots, input);
  }
}

/** The query string with each plain comparison's value left out, and those values in order. */
function queryTemplate(query: string): { template: string; slots: readonly string[] } {
  if (query === '' || !query.includes('=')) return { template: query, slots: NO_SLOTS };
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
  const { caller: _caller, ...anonymous } = api;
  return { api: anonymous, slots };
}

/** The remembered request with this request's key parts, query values and caller. */
function withValues(entry: Entry, ids: readonly string[] | null, slots: readonly string[], input: HttpInput): ApiRequest {
  let api = entry.api;
  if (ids !== null || slots.length > 0) {
    const values = api.values.slice();
    if (ids !== null) for (let i = 0; i < ids.length; i++) values[i] = decodePathSegment(ids[i]!);
    for (let i = 0; i < slots.length; i++) values[entry.slots[i]!] = slots[i]!;
    api = { ...api, values };
  }
  return input.caller ? { ...api, caller: input.caller } : api;
}
