/**
 * The right-hand side of a filter, `[not.]op.value` (PostgREST 12's pOpExpr): operators,
 * `in.(…)` lists with PostgREST's quoting, `is.` keywords, `fts(config).`, and the `(any)`/`(all)`
 * quantifiers. Literal values go into the request's `values`; the FilterValue keeps their refs.
 * The same grammar serves a top-level `col=op.value` and a condition inside `or=(…)`.
 */
import { echo, type Cursor } from './cursor.js';
import { closestMatch } from '../util/closest-match.js';
import { parseIdentifier, scanQuoted } from './field-path.js';
import type { FilterOperator, FilterValue, ValueRef } from './types.js';

/** Operators that take `(any)` / `(all)`: PostgREST's QuantOperator. */
const QUANTIFIABLE: ReadonlySet<string> = new Set(['eq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);
const SIMPLE: ReadonlySet<string> = new Set(['neq', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']);
const FTS: ReadonlySet<string> = new Set(['fts', 'plfts', 'phfts', 'wfts']);
export const OPERATORS: readonly FilterOperator[] = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct',
  'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj',
];
const IS_VALUES = ['null', 'not_null', 'true', 'false', 'unknown'] as const;

/**
 * Where the value of a filter ends. `param` (`col=eq.a,b)`): the rest of the text, verbatim.
 * `tree` (inside `or=(…)`): a "quoted" value, a `{…}` array literal, or text up to `,` or `)`.
 */
export type ValueMode = 'param' | 'tree';

export interface Operation {
  readonly negated: boolean;
  readonly operator: FilterOperator;
  readonly value: FilterValue;
}

/**
 * `eq.5`, `not.in.(1,"a,b")`, `is.NULL`, `fts(english).cat`, `like(any).{a*,b*}`, `isdistinct.x`.
 *
 * With `allowNoOperator` (GET /rpc/fn?x=5, where a bare value is an argument) a value that does
 * not start with an operator gives null instead of an error.
 * Errors: `price=10` → `unexpected "10" expecting "not" or operator (eq, gt, ...)`;
 * `is.maybe` → `unexpected "maybe" expecting null, not_null, true, false or unknown`.
 */
export function parseOperation(c: Cursor, mode: ValueMode, values: string[], allowNoOperator = false): Operation | null {
  const start = c.pos;
  const negated = c.eat('not.');
  const opAt = c.pos;
  const op = readLetters(c);
  const next = c.peek();
  const known = op === 'in' || op === 'is' || op === 'isdistinct' || QUANTIFIABLE.has(op) || SIMPLE.has(op) || FTS.has(op);
  if (!known || (next !== '.' && next !== '(')) {
    if (allowNoOperator && !negated) {
      c.pos = start;
      return null;
    }
    if (!known) unknownOperator(c, opAt, negated, mode);
  }
  const operator = op as FilterOperator;
  if (op === 'in') {
    c.expect('.', 'delimiter (.)');
    return { negated, operator, value: { kind: 'list', values: parseList(c, values) } };
  }
  if (op === 'is') {
    c.expect('.', 'delimiter (.)');
    return { negated, operator, value: { kind: 'is', value: parseIsValue(c, mode) } };
  }
  if (FTS.has(op)) {
    let language: string | null = null;
    if (c.eat('(')) {
      language = parseIdentifier(c, 'text search configuration');
      c.expect(')');
    }
    c.expect('.', 'delimiter (.)');
    return { negated, operator, value: { kind: 'fts', language, value: push(values, readValue(c, mode)) } };
  }
  const like = op === 'like' || op === 'ilike';
  if (QUANTIFIABLE.has(op) && c.peek() === '(') {
    const at = c.pos;
    const quantifier = c.eat('(any)') ? 'any' : c.eat('(all)') ? 'all' : null;
    if (quantifier === null) c.fail('"(any)" or "(all)"', { at });
    c.expect('.', 'delimiter (.)');
    const listAt = c.pos;
    const items = parseArrayLiteral(c, readValue(c, mode), listAt);
    const refs = items.map((item) => push(values, like ? starToPercent(item) : item));
    return { negated, operator, value: { kind: 'quantified', quantifier, values: refs } };
  }
  c.expect('.', 'delimiter (.)');
  const value = readValue(c, mode);
  // PostgREST lets `*` stand for `%` in like patterns, since `%` is awkward in URLs
  return { negated, operator, value: { kind: 'single', value: push(values, like ? starToPercent(value) : value) } };
}

function push(values: string[], value: string): ValueRef {
  values.push(value);
  return values.length - 1;
}

function starToPercent(s: string): string {
  return s.includes('*') ? s.replaceAll('*', '%') : s;
}

function readLetters(c: Cursor): string {
  const src = c.src;
  const start = c.pos;
  let i = start;
  while (i < src.length) {
    const ch = src.charCodeAt(i);
    if (!((ch >= 97 && ch <= 122) || ch === 95)) break;
    i++;
  }
  c.pos = i;
  return src.slice(start, i);
}

function unknownOperator(c: Cursor, at: number, negated: boolean, mode: ValueMode): never {
  // show the whole would-be operator, up to the next delimiter
  let end = at;
  const stops = mode === 'param' ? '.(' : '.(,)';
  while (end < c.src.length && end - at < 40 && !stops.includes(c.src[end])) end++;
  const token = c.src.slice(at, end);
  let hint: string;
  if (!/^[a-z_]+$/.test(token)) {
    // `price=10`: most likely a value written without its operator
    c.pos = at;
    const value = mode === 'param' ? c.src.slice(at) : readPlain(c);
    hint = `Write an operator before the value, as in eq.${echo(value)}`;
  } else {
    const closest = token === '' ? null : closestMatch(token, OPERATORS);
    hint = closest ? `Perhaps you meant the operator '${closest}'` : `Valid operators are: ${OPERATORS.join(', ')}`;
  }
  c.fail(negated ? 'operator (eq, gt, ...)' : '"not" or operator (eq, gt, ...)', {
    at,
    found: token === '' ? undefined : token,
    hint,
  });
}

/** The value after the operator, according to the mode. */
function readValue(c: Cursor, mode: ValueMode): string {
  const src = c.src;
  if (mode === 'param') {
    const value = src.slice(c.pos);
    c.pos = src.length;
    return value;
  }
  // PostgREST's pLogicSingleVal: a quoted value must end the condition, else it is plain text
  if (src.charCodeAt(c.pos) === 34) {
    const q = scanQuoted(src, c.pos);
    if (q !== null && endsCondition(src, q.end)) {
      c.pos = q.end;
      return q.value;
    }
  } else if (src.charCodeAt(c.pos) === 123 /* { */) {
    // an array literal `{1,2}` keeps its commas
    let i = c.pos + 1;
    while (i < src.length && src[i] !== '}' && src[i] !== '{') i++;
    if (src[i] === '}') {
      const value = src.slice(c.pos, i + 1);
      c.pos = i + 1;
      return value;
    }
  }
  return readPlain(c);
}

function endsCondition(src: string, i: number): boolean {
  return i >= src.length || src[i] === ',' || src[i] === ')';
}

function readPlain(c: Cursor): string {
  const src = c.src;
  const start = c.pos;
  let i = start;
  while (i < src.length && src[i] !== ',' && src[i] !== ')') i++;
  c.pos = i;
  return src.slice(start, i);
}

/**
 * `(1,2,"a,b","say \"hi\"")` → `1`, `2`, `a,b`, `say "hi"`; `()` is the empty list. An item that
 * opens a quote but goes on after it (`"a"b`) is taken verbatim, as PostgREST does.
 */
function parseList(c: Cursor, values: string[]): ValueRef[] {
  const src = c.src;
  const refs: ValueRef[] = [];
  c.skipSpaces();
  c.expect('(');
  c.skipSpaces();
  if (c.eat(')')) {
    c.skipSpaces();
    return refs;
  }
  for (;;) {
    let item: string | null = null;
    if (src.charCodeAt(c.pos) === 34) {
      const q = scanQuoted(src, c.pos);
      if (q !== null && endsCondition(src, q.end)) {
        item = q.value;
        c.pos = q.end;
      }
    }
    refs.push(push(values, item ?? readPlain(c)));
    if (c.eat(',')) continue;
    c.expect(')', '"," or ")"');
    c.skipSpaces();
    return refs;
  }
}

/** `null`, `NOT_NULL`, `true`, `false`, `unknown` (case-insensitive, as PostgREST's ciString). */
function parseIsValue(c: Cursor, mode: ValueMode): (typeof IS_VALUES)[number] {
  const at = c.pos;
  const word = mode === 'param' ? c.src.slice(at) : readPlain(c);
  const lower = word.toLowerCase();
  const found = (IS_VALUES as readonly string[]).indexOf(lower);
  if (found < 0) {
    c.fail('null, not_null, true, false or unknown', { at, found: word === '' ? undefined : word });
  }
  c.pos = at + word.length;
  return IS_VALUES[found];
}

/**
 * `{a,b,"c,d"}`: the array literal after a quantifier, split into its items (PostgreSQL's
 * rules: double quotes with backslash escapes; unquoted items are trimmed). `{}` is empty.
 */
export function parseArrayLiteral(c: Cursor, text: string, at: number): string[] {
  const items: string[] = [];
  const bad = (offset: number): never =>
    c.fail('an array literal such as {a,b}', { at: at + offset, found: offset >= text.length ? undefined : text.charAt(offset) });
  if (text.charCodeAt(0) !== 123) bad(0);
  let i = 1;
  const skip = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  skip();
  if (text[i] === '}') {
    if (i + 1 !== text.length) bad(i + 1);
    return items;
  }
  for (;;) {
    skip();
    if (text[i] === '"') {
      const q = scanQuoted(text, i);
      if (q === null) return bad(text.length);
      items.push(q.value);
      i = q.end;
      skip();
    } else {
      const start = i;
      while (i < text.length && text[i] !== ',' && text[i] !== '}' && text[i] !== '{' && text[i] !== '"') i++;
      const item = text.slice(start, i).trim();
      if (item === '') bad(i);
      items.push(item);
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] !== '}' || i + 1 !== text.length) bad(text[i] === '}' ? i + 1 : i);
    return items;
  }
}
