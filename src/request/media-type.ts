/**
 * Media types: which response format the `Accept` header asks for (content negotiation with
 * q-values), and what the `Content-Type` of a request body is. Producing the formats is the
 * respond stage's job; reading the body is request-body.ts's.
 */
import { errors } from '../errors/catalog.js';
import type { MediaType } from './types.js';

/** What a request body's Content-Type says it is; only `json` is read for now. */
export type BodyFormat = 'json' | 'csv' | 'form' | 'other';

interface AcceptItem {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly specificity: number;
  readonly index: number;
}

/**
 * `Accept: text/csv;q=0.5, application/vnd.pgrst.object+json` → 'object'.
 *
 * The highest q wins, then the most specific range (`a/b` over `a/*` over `*\/*`), then the
 * first listed; `q=0` means "not this". A missing or empty header means `*\/*`. On `/` (the
 * OpenAPI document) `application/json`, `application/*` and `*\/*` all mean 'openapi'; elsewhere
 * 'openapi' is not available. Error: nothing acceptable → RG406 (406)
 * `None of these media types are available: image/png`.
 */
export function negotiateAccept(header: string | undefined, isRoot: boolean): MediaType {
  if (header === undefined || header.trim() === '') return isRoot ? 'openapi' : 'json';
  const items = parseAccept(header);
  items.sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.index - b.index);
  for (const item of items) {
    if (item.q <= 0) break;
    const media = mediaTypeOf(item, isRoot);
    if (media !== null) return media;
  }
  throw errors.notAcceptable(header);
}

function mediaTypeOf(item: AcceptItem, isRoot: boolean): MediaType | null {
  switch (item.type) {
    case '*/*':
    case 'application/*':
    case 'application/json':
      return isRoot ? 'openapi' : 'json';
    case 'application/openapi+json':
      return isRoot ? 'openapi' : null;
  }
  if (isRoot) return null;
  switch (item.type) {
    case 'application/vnd.pgrst.object+json':
    case 'application/vnd.pgrst.object':
      return 'object';
    case 'application/vnd.pgrst.array+json':
    case 'application/vnd.pgrst.array':
      // PostgREST's plain JSON array; `nulls=stripped` asks for a variant rowgate does not produce
      return item.params.get('nulls') === 'stripped' ? null : 'json';
    case 'text/csv':
      return 'csv';
    case 'application/x-ndjson':
      return 'ndjson';
  }
  return null;
}

/** `a/b;p=1;q=0.5, c/d` → items; quoted parameter values may contain `,` and `;`. */
function parseAccept(header: string): AcceptItem[] {
  const items: AcceptItem[] = [];
  for (const part of splitOutsideQuotes(header, ',')) {
    const [range, ...rawParams] = splitOutsideQuotes(part, ';');
    const type = stripSpaces(range).toLowerCase();
    if (type === '') continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = unquote(p.slice(eq + 1).trim());
      if (name === 'q') q = qValue(value);
      else params.set(name, value.toLowerCase());
    }
    const slash = type.indexOf('/');
    const specificity = type === '*/*' ? 0 : slash >= 0 && type.slice(slash + 1) === '*' ? 1 : 2;
    items.push({ type, params, q, specificity, index: items.length });
  }
  return items;
}

/** RFC 9110 qvalue: 0 to 1 with up to three decimals; an unreadable one counts as 1. */
function qValue(s: string): number {
  const n = Number(s);
  return s !== '' && Number.isFinite(n) && n >= 0 && n <= 1 ? n : 1;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function stripSpaces(s: string): string {
  return s.replace(/[ \t]+/g, '');
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  if (!s.includes('"')) return s.split(sep);
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/**
 * `Content-Type: Application/JSON ; charset=UTF-8` → 'json'. Type and subtype are
 * case-insensitive and parameters are ignored (the server has already decoded the text).
 * A missing header means JSON, as in PostgREST.
 */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  if (contentType === undefined) return 'json';
  const semi = contentType.indexOf(';');
  const type = stripSpaces(semi < 0 ? contentType : contentType.slice(0, semi)).toLowerCase();
  switch (type) {
    case '':
    case 'application/json':
      return 'json';
    case 'text/csv':
      return 'csv';
    case 'application/x-www-form-urlencoded':
      return 'form';
  }
  return 'other';
}
