/**
 * The `select=` grammar: columns, aliases, casts, JSON paths, aggregates and embedded
 * resources, nested (PostgREST 12's pFieldForest). It builds SelectItem trees and knows no
 * schema: whether `category` is a relationship or `price` a column is the plan stage's question.
 */
import { Cursor } from './cursor.js';
import { errors } from '../errors/catalog.js';
import { parseFieldName, parseIdentifier, parseJsonPath } from './field-path.js';
import type { AggregateFunction, JsonPathStep, SelectEmbed, SelectItem } from './types.js';

/** Embedding deeper than this is refused while parsing, so the recursion stays far from the stack limit. */
export const MAX_SELECT_DEPTH = 100;

const AGGREGATES: ReadonlySet<string> = new Set<AggregateFunction>(['count', 'sum', 'avg', 'min', 'max']);
const ITEM_END = '",", ")" or end of input';
const STAR: SelectItem = { kind: 'star' };
const NO_PATH: readonly JsonPathStep[] = [];

/**
 * `select=*,alias:col->a->>b::text,total:price.sum()::int,n:count(),cat:categories!fk!inner(name),...rel(*)`
 *
 * Returns null for an empty `select=`: PostgREST (since 11) answers `?select=` like no select at all.
 * Errors are PGRST100, e.g. `select=id,name(()` →
 * `"failed to parse select parameter (id,name(()" (line 1, column 9)`, `unexpected "(" expecting field name (* or [a..z0..9_$])`.
 */
export function parseSelect(text: string): SelectItem[] | null {
  const c = new Cursor(text, 'select parameter');
  const items = parseForest(c, 0);
  if (!c.atEnd) c.fail('"," or end of input');
  return items.length === 0 ? null : items;
}

/** `a,b(c,d)` up to the `)` that closes the current embedding (or the end at the top). */
function parseForest(c: Cursor, depth: number): SelectItem[] {
  const items: SelectItem[] = [];
  c.skipSpaces();
  // `rel()` embeds without selecting a column (PostgREST 11), so a forest may be empty
  if (c.atEnd || c.peek() === ')') return items;
  for (;;) {
    items.push(parseItem(c, depth));
    c.skipSpaces();
    if (!c.eat(',')) return items;
    c.skipSpaces();
  }
}

function parseItem(c: Cursor, depth: number): SelectItem {
  if (c.eat('...')) {
    const relation = parseFieldName(c);
    return parseEmbed(c, depth, relation, null, true);
  }
  if (c.peek() === '*') {
    c.pos++;
    endItem(c, '",", ")" or end of input');
    return STAR;
  }
  let alias: string | null = null;
  let nameAt = c.pos;
  if (c.startsWith('count()')) return parseCountAll(c, alias);
  let name = parseFieldName(c);
  // `alias:col`, but `col::cast` is a cast
  if (c.peek() === ':' && c.peek(1) !== ':') {
    c.pos++;
    c.skipSpaces();
    alias = name;
    if (c.startsWith('count()')) return parseCountAll(c, alias);
    nameAt = c.pos;
    name = parseFieldName(c);
  }
  if (c.peek() === '!' || c.peek() === '(') {
    // PostgREST's pRelationSelect guards `name /= "count"`: `count(…)` is no embedding
    if (name === 'count') c.fail('"()" after count', { at: nameAt + 5 });
    return parseEmbed(c, depth, name, alias, false);
  }
  return parseFieldRest(c, name, alias);
}

/** `n:count()::int`: the count of rows, PostgREST's `SelectField ("*", []) (Just Count)`. */
function parseCountAll(c: Cursor, alias: string | null): SelectItem {
  c.pos += 'count()'.length;
  const cast = c.eat('::') ? parseIdentifier(c) : null;
  endItem(c, `"::", ${ITEM_END}`);
  return { kind: 'count-all', alias, cast };
}

/** After the name: `->a->>b`, `::cast`, `.sum()`, `::aggregateCast`, in that order. */
function parseFieldRest(c: Cursor, name: string, alias: string | null): SelectItem {
  const jsonPath = c.startsWith('->') ? parseJsonPath(c) : NO_PATH;
  const cast = c.eat('::') ? parseIdentifier(c) : null;
  let aggregate: AggregateFunction | null = null;
  let aggregateCast: string | null = null;
  if (c.peek() === '.') {
    const at = c.pos + 1;
    let end = at;
    while (end < c.src.length && c.src.charCodeAt(end) >= 97 && c.src.charCodeAt(end) <= 122) end++;
    const fn = c.src.slice(at, end);
    if (!AGGREGATES.has(fn) || !c.src.startsWith('()', end)) {
      c.fail('aggregate function (sum(), avg(), count(), min(), max())', { at, found: c.src.slice(at, end + 2) || undefined });
    }
    aggregate = fn as AggregateFunction;
    c.pos = end + 2;
    if (c.eat('::')) aggregateCast = parseIdentifier(c);
  }
  endItem(c, jsonPath.length > 0 || cast !== null || aggregate !== null ? ITEM_END : `"->", "::", ".", ${ITEM_END}`);
  return { kind: 'field', field: { name, jsonPath }, alias, cast, aggregate, aggregateCast };
}

/** `rel!hint!inner(…)`: at most one hint and one join type, in either order, then the sub-select. */
function parseEmbed(c: Cursor, depth: number, relation: string, alias: string | null, spread: boolean): SelectEmbed {
  let hint: string | null = null;
  let joinType: 'left' | 'inner' | null = null;
  while (c.peek() === '!') {
    const at = c.pos;
    c.pos++;
    const quoted = c.peek() === '"';
    const param = parseFieldName(c);
    if (!quoted && (param === 'left' || param === 'inner')) {
      if (joinType !== null) c.fail('"(" (only one join type per embedding)', { at });
      joinType = param;
    } else {
      if (hint !== null) c.fail('"(" (only one hint per embedding)', { at });
      hint = param;
    }
  }
  c.expect('(', '"!" or "(" after the embedded resource');
  if (depth + 1 > MAX_SELECT_DEPTH) {
    throw errors.parse(
      'select parameter nested too deeply',
      `${c.message(c.pos - 1)}: embedded resources are nested more than ${MAX_SELECT_DEPTH} levels deep`,
    );
  }
  const select = parseForest(c, depth + 1);
  c.expect(')', '"," or ")"');
  endItem(c, ITEM_END);
  return { kind: 'embed', relation, alias, hint, joinType, spread, select };
}

function endItem(c: Cursor, expected: string): void {
  c.skipSpaces();
  if (c.atEnd) return;
  const ch = c.peek();
  if (ch !== ',' && ch !== ')') c.fail(expected);
}
