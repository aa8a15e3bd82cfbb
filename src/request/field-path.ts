/**
 * The lexical pieces every query parameter shares: identifiers, field names (plain, dashed or
 * "quoted"), JSON paths (`data->a->>0`) and the `a.b.col` key paths of filters and embedded
 * limits. Mirrors PostgREST's pFieldName / pJsonPath / pTreePath; the grammars that combine
 * them (select, filters, order) live in their own modules.
 */
import type { Cursor } from './cursor.js';
import type { FieldPath, JsonPathStep } from './types.js';

export const FIELD_NAME_EXPECTED = 'field name (* or [a..z0..9_$])';

const NON_ASCII_IDENTIFIER = /^[\p{L}\p{M}\p{N}]$/u;

/**
 * Length (1 or 2 UTF-16 units) of the identifier character at `i`, or 0.
 * PostgREST's pIdentifierChar is `letter <|> digit <|> oneOf "_ $"`, with Unicode letters; we
 * also take combining marks and Unicode digits so that decomposed accents (e + U+0301) work.
 */
export function identifierCharLength(src: string, i: number): number {
  const c = src.charCodeAt(i);
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 32 || c === 36 ? 1 : 0;
  }
  if (!(c >= 128)) return 0; // NaN: past the end
  const cp = src.codePointAt(i)!;
  const len = cp > 0xffff ? 2 : 1;
  return NON_ASCII_IDENTIFIER.test(String.fromCodePoint(cp)) ? len : 0;
}

/**
 * `first name`, `price`, `$x`: a run of identifier characters, trimmed (PostgREST strips the
 * spaces it allows inside identifiers). Fails on an empty run.
 */
export function parseIdentifier(c: Cursor, expected = 'letter or digit'): string {
  const src = c.src;
  const start = c.pos;
  let i = start;
  for (;;) {
    const n = identifierCharLength(src, i);
    if (n === 0) break;
    i += n;
  }
  const text = src.slice(start, i).trim();
  if (text === '') c.fail(expected);
  c.pos = i;
  return text;
}

/**
 * A double-quoted value starting at `start`: `"my col"`, `"a\"b"` (backslash escapes any
 * character). Returns the unquoted text and the index after the closing quote, or null when the
 * quote is not closed, so callers can fall back as PostgREST's `try` does.
 */
export function scanQuoted(src: string, start: number): { value: string; end: number } | null {
  let out = '';
  let chunk = start + 1;
  let i = chunk;
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 34 /* " */) return { value: out + src.slice(chunk, i), end: i + 1 };
    if (c === 92 /* \ */) {
      if (i + 1 >= src.length) return null;
      out += src.slice(chunk, i) + src.charAt(i + 1);
      i += 2;
      chunk = i;
    } else {
      i++;
    }
  }
  return null;
}

export function parseQuoted(c: Cursor): string {
  const q = scanQuoted(c.src, c.pos);
  if (q === null) c.fail('closing quote (")', { at: c.src.length });
  c.pos = q.end;
  return q.value;
}

/** `"quoted name"`, `name`, `name-with-dashes` (a dash before `>` starts a JSON arrow instead). */
export function parseFieldName(c: Cursor): string {
  if (c.peek() === '"') return parseQuoted(c);
  let name = parseIdentifier(c, FIELD_NAME_EXPECTED);
  while (c.src.charCodeAt(c.pos) === 45 /* - */ && c.src.charCodeAt(c.pos + 1) !== 62 /* > */) {
    c.pos++;
    name += `-${parseIdentifier(c)}`;
  }
  return name;
}

/** Where a numeric JSON index may end, PostgREST's pEnd in pJsonPath (plus `)` and spaces). */
function endsJsonIndex(src: string, i: number): boolean {
  if (i >= src.length) return true;
  const c = src.charAt(i);
  return c === '.' || c === ',' || c === ')' || c === ' ' || c === '\t' || src.startsWith('->', i) || src.startsWith('::', i);
}

/** Characters a JSON key cannot hold unquoted: PostgREST's `noneOf "(-:.,>)"`. */
function isJsonKeyChar(code: number): boolean {
  return !(code === 40 || code === 45 || code === 58 || code === 46 || code === 44 || code === 62 || code === 41);
}

function parseJsonKey(c: Cursor): string | number {
  const src = c.src;
  if (c.peek() === '"') return parseQuoted(c);
  // `->0`, `->-1`: an array index, when the digits end where a key would
  let i = c.pos;
  if (src.charCodeAt(i) === 45) i++;
  const digits = i;
  while (i < src.length && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i++;
  if (i > digits && endsJsonIndex(src, i)) {
    const n = Number(src.slice(c.pos, i));
    if (!Number.isSafeInteger(n)) c.fail('a JSON array index between -2^53 and 2^53', { found: src.slice(c.pos, i) });
    c.pos = i;
    return n;
  }
  let key = '';
  for (;;) {
    const start = c.pos;
    let j = start;
    while (j < src.length && isJsonKeyChar(src.charCodeAt(j))) j++;
    const part = src.slice(start, j).trim();
    if (part === '') c.fail('any non reserved character different from: .,>()', { at: start });
    key += part;
    c.pos = j;
    // `->a-b` is the key "a-b"; `->a->b` is two steps
    if (src.charCodeAt(j) === 45 && src.charCodeAt(j + 1) !== 62) {
      key += '-';
      c.pos++;
    } else {
      return key;
    }
  }
}

/** `->a->>b`, `->0`, `->"a.b"`: the JSON path after a column; empty when no arrow follows. */
export function parseJsonPath(c: Cursor): JsonPathStep[] {
  const steps: JsonPathStep[] = [];
  while (c.startsWith('->')) {
    const arrow = c.startsWith('->>') ? '->>' : '->';
    c.pos += arrow.length;
    steps.push({ arrow, key: parseJsonKey(c) });
  }
  return steps;
}

const NO_PATH: readonly JsonPathStep[] = [];

/** ` name->a->>b `: a field with its JSON path; spaces around it are skipped (PostgREST's lexeme pField). */
export function parseField(c: Cursor): FieldPath {
  c.skipSpaces();
  const name = parseFieldName(c);
  const jsonPath = c.startsWith('->') ? parseJsonPath(c) : NO_PATH;
  c.skipSpaces();
  return { name, jsonPath };
}

/**
 * `a.b.col->x` (a filter key): the embedded-resource path, then the field. The path ends at
 * the last dot before any JSON arrow; a dot after an arrow must be quoted (`data->"a.b"`).
 * PostgREST silently ignores what follows a JSON path here; we refuse it.
 */
export function parseTreePath(c: Cursor): { path: string[]; field: FieldPath } {
  const names = [parseFieldName(c)];
  while (c.eat('.')) names.push(parseFieldName(c));
  const jsonPath = c.startsWith('->') ? parseJsonPath(c) : NO_PATH;
  if (!c.atEnd) c.fail(jsonPath.length > 0 ? '"->", "->>" or end of input' : '".", "->" or end of input');
  const name = names.pop()!;
  return { path: names, field: { name, jsonPath } };
}

/** `a.b.limit`: the dot-separated names of a reserved key, all of them. */
export function parseKeyNames(c: Cursor): string[] {
  const names = [parseFieldName(c)];
  while (c.eat('.')) names.push(parseFieldName(c));
  if (!c.atEnd) c.fail('"." or end of input');
  return names;
}

/** `a,b,"c d"`: `columns=` and `on_conflict=` (PostgREST's pColumns). */
export function parseColumnList(c: Cursor): string[] {
  const names: string[] = [];
  do {
    c.skipSpaces();
    names.push(parseFieldName(c));
    c.skipSpaces();
  } while (c.eat(','));
  if (!c.atEnd) c.fail('"," or end of input');
  return names;
}
