/**
 * Reads the few facts SQLite keeps only in the CREATE text of `sqlite_schema.sql`: CHECK constraints,
 * WITHOUT ROWID, the module of a virtual table, and the operation of an INSTEAD OF trigger. A small
 * tokenizer (strings, quoted identifiers, comments, parentheses) is enough; this is not a SQL parser,
 * and the catalog pragmas stay the source for everything they do report (sqlite-introspector.ts).
 */

export interface SqlToken {
  /** `word`: bare keyword, name or number; `ident`: "quoted", `quoted` or [quoted]; `punct`: one character. */
  readonly kind: 'word' | 'ident' | 'string' | 'punct';
  /** Unquoted text: `"a""b"` -> `a"b`, `'it''s'` -> `it's`. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export interface ParsedCheck {
  readonly name: string | null;
  /** The text between the CHECK parentheses, as written (comments included). */
  readonly expression: string;
}

export interface ParsedCreateTable {
  readonly checks: readonly ParsedCheck[];
  readonly withoutRowid: boolean;
  /** `fts5` for `CREATE VIRTUAL TABLE t USING fts5(...)`, lower-cased; null for ordinary tables. */
  readonly virtualModule: string | null;
  /** For an FTS5 table: its indexed columns and, for an external-content index, the table it indexes. */
  readonly fts5?: { readonly columns: readonly string[]; readonly content: string | null; readonly contentRowid: string | null };
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;
const CLOSING_QUOTE: Record<string, string> = { '"': '"', '`': '`', '[': ']' };

/** Splits SQL into tokens, dropping whitespace and `--` / `/* *\/` comments. Unterminated quotes run to the end. */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (ch === "'" || ch in CLOSING_QUOTE) {
      const close = ch === "'" ? "'" : CLOSING_QUOTE[ch];
      const start = i;
      let value = '';
      i++;
      while (i < sql.length) {
        if (sql[i] === close) {
          // A doubled quote is an escaped quote, except in [brackets], which have no escape.
          if (close !== ']' && sql[i + 1] === close) {
            value += close;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i++];
      }
      tokens.push({ kind: ch === "'" ? 'string' : 'ident', value, start, end: i });
    } else if (WORD_CHAR.test(ch)) {
      const start = i;
      while (i < sql.length && WORD_CHAR.test(sql[i])) i++;
      tokens.push({ kind: 'word', value: sql.slice(start, i), start, end: i });
    } else {
      tokens.push({ kind: 'punct', value: ch, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

/** Reads CHECK clauses, WITHOUT ROWID and the virtual-table module from a CREATE TABLE statement. */
export function parseCreateTable(sql: string): ParsedCreateTable {
  const tokens = tokenizeSql(sql);
  const open = tokens.findIndex((t) => isPunct(t, '('));
  const using = tokens.findIndex((t) => isWord(t, 'USING'));
  if (using >= 0 && (open < 0 || using < open)) {
    const module = tokens[using + 1];
    const name = module ? module.value.toLowerCase() : null;
    return { checks: [], withoutRowid: false, virtualModule: name, ...(name === 'fts5' ? { fts5: parseFts5Arguments(tokens, using + 2) } : {}) };
  }
  // `CREATE TABLE t AS SELECT ...` has no column definitions and so no constraints.
  if (open < 0 || tokens.slice(0, open).some((t) => isWord(t, 'AS'))) {
    return { checks: [], withoutRowid: false, virtualModule: null };
  }
  const close = matchingParen(tokens, open);
  const checks = splitTopLevel(tokens, open + 1, close).flatMap((def) => checksOf(sql, tokens, def));
  const options = tokens.slice(close + 1);
  const withoutRowid = options.some((t, k) => isWord(t, 'WITHOUT') && isWord(options[k + 1], 'ROWID'));
  return { checks, withoutRowid, virtualModule: null };
}

/** `fts5(name, description, content='products', content_rowid='id', tokenize=…)` */
function parseFts5Arguments(tokens: readonly SqlToken[], open: number): NonNullable<ParsedCreateTable['fts5']> {
  const columns: string[] = [];
  let content: string | null = null;
  let contentRowid: string | null = null;
  if (!isPunct(tokens[open], '(')) return { columns, content, contentRowid };
  for (const [from, to] of splitTopLevel(tokens, open + 1, matchingParen(tokens, open))) {
    const part = tokens.slice(from, to);
    const eq = part.findIndex((t) => isPunct(t, '='));
    if (eq < 0) {
      // A column, optionally followed by UNINDEXED (stored, but not searchable).
      if (part.length === 1) columns.push(part[0].value);
      continue;
    }
    const key = part[0]?.value.toLowerCase();
    const value = part[eq + 1]?.value ?? null;
    if (key === 'content') content = value === '' ? null : value;
    else if (key === 'content_rowid') contentRowid = value;
  }
  return { columns, content, contentRowid };
}

/**
 * The operation an `INSTEAD OF` trigger stands in for, or null for BEFORE/AFTER triggers.
 * `CREATE TRIGGER t INSTEAD OF UPDATE OF name ON v BEGIN ... END` -> 'update'.
 */
export function parseInsteadOfOperation(sql: string): 'insert' | 'update' | 'delete' | null {
  const tokens = tokenizeSql(sql);
  for (let k = 0; k + 2 < tokens.length; k++) {
    // The header ends at BEGIN; an INSTEAD OF inside the body would belong to a nested statement.
    if (isWord(tokens[k], 'BEGIN')) break;
    if (isWord(tokens[k], 'INSTEAD') && isWord(tokens[k + 1], 'OF')) {
      const op = tokens[k + 2].value.toLowerCase();
      return op === 'insert' || op === 'update' || op === 'delete' ? op : null;
    }
  }
  return null;
}

/**
 * The column and values of a check that only lists allowed strings, else null.
 * `status IN ('a','b')`, `"Status" in ('a')`, `([status] IN ('it''s'))` -> a match;
 * `status IN ('a') OR status IS NULL`, `status NOT IN ('a')`, `n IN (1, 2)` -> null.
 */
export function parseEnumCheck(expression: string): { column: string; values: string[] } | null {
  let tokens = tokenizeSql(expression);
  while (tokens.length > 2 && isPunct(tokens[0], '(') && matchingParen(tokens, 0) === tokens.length - 1) {
    tokens = tokens.slice(1, -1);
  }
  const [column, inWord, open] = tokens;
  if (!column || (column.kind !== 'word' && column.kind !== 'ident') || !isWord(inWord, 'IN') || !isPunct(open, '(')) {
    return null;
  }
  const values: string[] = [];
  for (let k = 3; k < tokens.length - 1; k += 2) {
    const separator = tokens[k + 1];
    if (tokens[k].kind !== 'string' || !(isPunct(separator, ',') || k + 1 === tokens.length - 1)) return null;
    values.push(tokens[k].value);
  }
  return values.length > 0 && isPunct(tokens[tokens.length - 1], ')') ? { column: column.value, values } : null;
}

function isWord(t: SqlToken | undefined, upper: string): boolean {
  return t !== undefined && t.kind === 'word' && t.value.toUpperCase() === upper;
}

function isPunct(t: SqlToken | undefined, ch: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.value === ch;
}

/** Index of the `)` closing the `(` at `open`; the last token when the text is cut short. */
function matchingParen(tokens: readonly SqlToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (isPunct(tokens[k], '(')) depth++;
    else if (isPunct(tokens[k], ')') && --depth === 0) return k;
  }
  return tokens.length - 1;
}

/** Token ranges [from, to) of the comma-separated definitions between from and to, at nesting depth 0. */
function splitTopLevel(tokens: readonly SqlToken[], from: number, to: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let k = from; k < to; k++) {
    if (isPunct(tokens[k], '(')) depth++;
    else if (isPunct(tokens[k], ')')) depth--;
    else if (depth === 0 && isPunct(tokens[k], ',')) {
      parts.push([start, k]);
      start = k + 1;
    }
  }
  if (start < to) parts.push([start, to]);
  return parts;
}

/**
 * CHECK clauses of one column or table-constraint definition, each with the name of a directly
 * preceding `CONSTRAINT name`. Only depth-0 tokens are looked at, so a `check` inside a DEFAULT
 * expression or a string never counts.
 */
function checksOf(sql: string, tokens: readonly SqlToken[], [from, to]: [number, number]): ParsedCheck[] {
  const checks: ParsedCheck[] = [];
  for (let k = from; k < to; k++) {
    if (isPunct(tokens[k], '(')) {
      k = matchingParen(tokens, k);
      continue;
    }
    if (!isWord(tokens[k], 'CHECK') || !isPunct(tokens[k + 1], '(')) continue;
    const close = matchingParen(tokens, k + 1);
    const named = k - 2 >= from && isWord(tokens[k - 2], 'CONSTRAINT');
    checks.push({
      name: named ? tokens[k - 1].value : null,
      expression: sql.slice(tokens[k + 1].end, tokens[close].start).trim(),
    });
    k = close;
  }
  return checks;
}
