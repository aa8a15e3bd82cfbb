/**
 * Row ranges: the `Range: 0-24` header, the `limit=`/`offset=` parameters (at the root and on
 * embedded resources, `items.limit=3`), and how they combine into RangeAt entries whose numbers
 * are pushed into the request's values. Content-Range in the response is the respond stage's job.
 */
import { Cursor } from './cursor.js';
import { rowgateError } from '../errors/catalog.js';
import type { RangeAt, ValueRef } from './types.js';

/** limit and offset are bounded like a PostgreSQL `int`; nobody pages past two billion rows. */
export const MAX_LIMIT_OFFSET = 2 ** 31 - 1;

/** The `Range` header: `0-24` is {start 0, end 24}; `10-` is {start 10, end null}. */
export interface RowRange {
  readonly start: number;
  readonly end: number | null;
}

/** The numeric `limit=`/`offset=` of one embedding level, before they become value refs. */
export interface LimitOffset {
  readonly path: readonly string[];
  limit: number | null;
  offset: number | null;
}

/**
 * `limit=25`, `offset=0`: decimal digits only, at most 2^31-1.
 * Errors: `limit=-1` → `"failed to parse limit parameter (-1)" (line 1, column 1)`,
 * `unexpected "-" expecting a non-negative integer`. (PostgREST ignores a limit it cannot read;
 * a silent full-table read is the worse surprise.)
 */
export function parseLimitOffset(which: 'limit' | 'offset', text: string): number {
  const c = new Cursor(text, `${which} parameter`);
  let i = 0;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === 0 || i < text.length) c.fail('a non-negative integer', { at: i });
  // compare digit strings, so `99999999999999999999` does not go through a lossy number
  const digits = text.replace(/^0+(?=\d)/, '');
  if (digits.length > 10 || Number(digits) > MAX_LIMIT_OFFSET) {
    c.fail(`a non-negative integer up to ${MAX_LIMIT_OFFSET}`, { at: 0, found: text });
  }
  return Number(digits);
}

/**
 * `Range: 0-24`, `Range: 10-`. PostgREST reads it with `^([0-9]+)-([0-9]*)$` and ignores anything
 * else (`items=0-24`, `0-24, 30-40`, spaces), so malformed headers give null rather than an error.
 * `Range-Unit` is not consulted, as in PostgREST.
 */
export function parseRangeHeader(header: string | undefined): RowRange | null {
  if (header === undefined) return null;
  const dash = header.indexOf('-');
  if (dash <= 0) return null;
  const start = digitsValue(header, 0, dash);
  if (start === null) return null;
  if (dash + 1 === header.length) return { start, end: null };
  const end = digitsValue(header, dash + 1, header.length);
  return end === null ? null : { start, end };
}

/** The number written in `s[from, to)` if it is all digits and exactly representable, else null. */
function digitsValue(s: string, from: number, to: number): number | null {
  if (to - from > 15) return null;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s.slice(from, to));
}

function notSatisfiable(details: string) {
  return rowgateError('PGRST103', 'Requested range not satisfiable', { details });
}

/**
 * The RangeAt entries for the request. The root one merges the `Range` header (GET only: RFC 9110
 * defines range handling for GET alone, and PostgREST ignores it on other methods) with the root
 * `limit`/`offset`, as PostgREST does: the rows requested are the intersection of both ranges,
 * except that `limit=0` always wins (it asks for no rows, e.g. to read only a count).
 *
 * Which refs are present depends only on which inputs are present (never on their numbers), so
 * two requests that differ only in their numbers keep the same shape.
 * Errors: `Range: 5-2` → PGRST103 (416) `Requested range not satisfiable`.
 */
export function resolveRanges(params: readonly LimitOffset[], header: RowRange | null, values: string[]): RangeAt[] {
  const push = (n: number): ValueRef => values.push(String(n)) - 1;
  const ranges: RangeAt[] = [];
  let root: LimitOffset | undefined;
  for (const p of params) {
    if (p.path.length === 0 && header !== null) {
      root = p;
      continue;
    }
    const offset = p.offset === null ? null : push(p.offset);
    ranges.push({ path: p.path, limit: p.limit === null ? null : push(p.limit), offset });
  }
  if (header === null) return ranges;

  if (header.end !== null && header.start > header.end) {
    throw notSatisfiable('The lower boundary must be lower than or equal to the upper boundary in the Range header.');
  }
  const qOffset = root?.offset ?? 0;
  const qLimit = root?.limit ?? null;
  let first = Math.max(header.start, qOffset);
  let count: number | null;
  if (qLimit === 0) {
    first = qOffset;
    count = 0;
  } else {
    const lastFromQuery = qLimit === null ? null : qOffset + qLimit - 1;
    const last = header.end === null ? lastFromQuery : lastFromQuery === null ? header.end : Math.min(header.end, lastFromQuery);
    if (last !== null && last < first) {
      throw notSatisfiable('The Range header and the limit/offset parameters select no common row.');
    }
    count = last === null ? null : last - first + 1;
  }
  const offset = push(first);
  const limit = count === null ? null : push(count);
  ranges.unshift({ path: [], limit, offset });
  return ranges;
}
