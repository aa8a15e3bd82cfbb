/**
 * Turns the raw, still percent-encoded query string and path segments into text. Splitting only:
 * what the keys and values mean is query-params.ts's business.
 * Malformed input never throws here: a `%` that does not start a two-digit hex escape stays a
 * literal `%`, and bytes that are not valid UTF-8 become U+FFFD, so `?name=eq.100%` just works.
 */

/** One `key=value` of the query string, decoded; `value` is null for a bare `key` (no `=`). */
export interface QueryPair {
  readonly key: string;
  readonly value: string | null;
}

/**
 * `a=1&b=x+y&c` → `[{a,'1'}, {b,'x y'}, {c,null}]`. Keys and values are form-decoded (`+` is a
 * space), as PostgREST's parseQueryReplacePlus does; empty pieces (`a=1&&b=2`) are skipped and
 * repeated keys are all kept, in order.
 */
export function splitQueryString(query: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  let start = 0;
  while (start < query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (end > start) {
      const piece = query.slice(start, end);
      const eq = piece.indexOf('=');
      pairs.push(
        eq === -1
          ? { key: decodeQueryComponent(piece), value: null }
          : { key: decodeQueryComponent(piece.slice(0, eq)), value: decodeQueryComponent(piece.slice(eq + 1)) },
      );
    }
    start = end + 1;
  }
  return pairs;
}

/** `x+y%2Bz` → `x y+z` (application/x-www-form-urlencoded rules). */
export function decodeQueryComponent(s: string): string {
  if (s.includes('+')) s = s.replaceAll('+', ' ');
  return s.includes('%') ? percentDecode(s) : s;
}

/** `caf%C3%A9` → `café`; in a path `+` stays a `+`. */
export function decodePathSegment(s: string): string {
  return s.includes('%') ? percentDecode(s) : s;
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return lenientPercentDecode(s);
  }
}

const utf8 = new TextDecoder('utf-8');

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function escapeAt(s: string, i: number): number {
  if (s.charCodeAt(i) !== 37 /* % */) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** The slow path, for input decodeURIComponent refuses: one linear pass, never throws. */
export function lenientPercentDecode(s: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const bytes: number[] = [];
  while (i < s.length) {
    if (escapeAt(s, i) < 0) {
      i++;
      continue;
    }
    out += s.slice(last, i);
    bytes.length = 0;
    for (let b = escapeAt(s, i); b >= 0; b = escapeAt(s, i)) {
      bytes.push(b);
      i += 3;
    }
    out += utf8.decode(Uint8Array.from(bytes));
    last = i;
  }
  return out + s.slice(last);
}
