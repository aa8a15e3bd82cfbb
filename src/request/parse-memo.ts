/**
 * Parsing remembered: a read whose URL and request headers were seen before gets the ApiRequest
 * parsed then, instead of parsing again (about a tenth of a small read's CPU). Parsing is pure,
 * so an equal input parses equal. Row URLs are remembered without their key (`/products/5` and
 * `/products/6` share an entry) because the key's values are the first `values` of the request;
 * only those are put in fresh. Reads only: a body, and the headers of writes, are left to the parser.
 */
import { parseApiRequest, type HttpInput } from './api-request.js';
import { decodePathSegment } from './query-string.js';
import type { ApiRequest } from './types.js';

/** Distinct URLs kept; past this the memo starts over, like the shape cache. */
const MEMO_LIMIT = 2000;
/** Stands for an absent header, which may parse differently from an empty one. */
const ABSENT = '\u0003';

export class ParseMemo {
  private readonly entries = new Map<string, ApiRequest>();

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
    let template = path;
    let ids: string[] | null = null;
    const second = path.indexOf('/', 1);
    if (second > 0 && path.indexOf('/', second + 1) < 0 && !(second === 4 && path.startsWith('/rpc'))) {
      ids = path.slice(second + 1).split(',');
      // An empty key part is the parser's 404; not worth remembering.
      if (ids.includes('')) return parseApiRequest(input);
      template = `${path.slice(0, second + 1)}\u0002${ids.length}`;
    }
    const key = `${input.method}\u0000${template}\u0000${input.query}\u0000${accept}\u0001${prefer}\u0001${range}\u0001${profile}`;

    const known = this.entries.get(key);
    if (known === undefined) {
      const api = parseApiRequest(input);
      if (this.entries.size >= MEMO_LIMIT) this.entries.clear();
      const { caller: _caller, ...anonymous } = api;
      this.entries.set(key, anonymous);
      return api;
    }
    let api = known;
    if (ids !== null) {
      const values = known.values.slice();
      for (let i = 0; i < ids.length; i++) values[i] = decodePathSegment(ids[i]!);
      api = { ...known, values };
    }
    return input.caller ? { ...api, caller: input.caller } : api;
  }
}
