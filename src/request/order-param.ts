/**
 * The `order=` grammar (PostgREST's pOrder): comma-separated terms, each a field (with JSON
 * path) or a to-one relation's field `rel(col)`, then optional `.asc|.desc` and
 * `.nullsfirst|.nullslast`. Whether `rel` is to-one is for the plan stage to check.
 */
import { Cursor } from './cursor.js';
import { parseField, parseFieldName } from './field-path.js';
import type { OrderTerm } from './types.js';

const MODIFIERS = '"asc", "desc", "nullsfirst" or "nullslast"';
const NULLS = '"nullsfirst" or "nullslast"';

/**
 * `order=a,b.desc,c.asc.nullsfirst,d.nullslast,category(name).desc,data->>x.desc`
 *
 * Errors are PGRST100, e.g. `order=id.ac` → `"failed to parse order (id.ac)" (line 1, column 4)`,
 * `unexpected "ac" expecting "asc", "desc", "nullsfirst" or "nullslast"`;
 * `order=id.asc.nlsfst` → `unexpected "nlsfst" expecting "nullsfirst" or "nullslast"`.
 */
export function parseOrder(text: string): OrderTerm[] {
  const c = new Cursor(text, 'order');
  const terms: OrderTerm[] = [];
  do terms.push(parseTerm(c));
  while (c.eat(','));
  return terms;
}

function parseTerm(c: Cursor): OrderTerm {
  c.skipSpaces();
  const start = c.pos;
  let relation: string | null = null;
  // `rel(col)` starts like a field name; only the `(` tells them apart
  const name = parseFieldName(c);
  let field;
  if (c.peek() === '(') {
    c.pos++;
    relation = name;
    field = parseField(c);
    c.expect(')', '")"');
  } else {
    c.pos = start;
    field = parseField(c);
  }
  let direction: OrderTerm['direction'] = null;
  let nulls: OrderTerm['nulls'] = null;
  if (c.eat('.')) {
    const at = c.pos;
    const word = readWord(c);
    if (word === 'asc' || word === 'desc') {
      direction = word;
      if (c.eat('.')) {
        const at2 = c.pos;
        nulls = nullsOf(readWord(c), c, at2);
      }
    } else if (word === 'nullsfirst' || word === 'nullslast') {
      nulls = word === 'nullsfirst' ? 'first' : 'last';
    } else {
      c.fail(MODIFIERS, { at, found: word === '' ? undefined : word });
    }
  }
  c.skipSpaces();
  if (!c.atEnd && c.peek() !== ',') c.fail(nulls === null ? `".", "," or end of input` : '"," or end of input');
  return { relation, field, direction, nulls };
}

function nullsOf(word: string, c: Cursor, at: number): 'first' | 'last' {
  if (word === 'nullsfirst') return 'first';
  if (word === 'nullslast') return 'last';
  return c.fail(NULLS, { at, found: word === '' ? undefined : word });
}

/** The modifier after a dot, up to the next dot, comma or space. */
function readWord(c: Cursor): string {
  const src = c.src;
  const start = c.pos;
  let i = start;
  while (i < src.length && src[i] !== '.' && src[i] !== ',' && src[i] !== ' ' && src[i] !== '\t') i++;
  c.pos = i;
  return src.slice(start, i);
}
