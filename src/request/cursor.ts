/**
 * The cursor every query-parameter grammar in this folder scans with, and the one way they fail:
 * a PGRST100 whose message quotes the parameter and the column, and whose details say what was
 * found and what was expected, in the shape PostgREST's Parsec errors have
 * (`"failed to parse order (id.ac)" (line 1, column 4)` / `unexpected "ac" expecting …`).
 * The grammars themselves live in field-path.ts, select-param.ts, filter-param.ts and friends.
 */
import { errors } from '../errors/catalog.js';

/** Echo at most this much of the input in a message: a 100 kB `in.(…)` should not come back whole. */
const ECHO_LIMIT = 200;

export function echo(text: string): string {
  return text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}...` : text;
}

export interface FailOptions {
  /** Where the unexpected input starts (default: the cursor). */
  readonly at?: number;
  /** The unexpected token, when it is longer than one character. */
  readonly found?: string;
  readonly hint?: string | null;
}

export class Cursor {
  pos = 0;

  /**
   * @param src the decoded parameter value (or key) being parsed
   * @param label what the message calls it: `select parameter`, `filter`, `order`, …
   * @param columnOffset added to reported columns; PostgREST parses `or(…)` for `or=(…)`, so its
   *   logic-tree columns count the operator too
   */
  constructor(
    readonly src: string,
    readonly label: string,
    readonly columnOffset = 0,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** The character at the cursor (plus `ahead`), or '' past the end. */
  peek(ahead = 0): string {
    return this.src.charAt(this.pos + ahead);
  }

  startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  eat(s: string): boolean {
    if (!this.src.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string, expected = JSON.stringify(s)): void {
    if (!this.eat(s)) this.fail(expected);
  }

  /** PostgREST's `ws`: spaces and tabs only. */
  skipSpaces(): void {
    const src = this.src;
    let i = this.pos;
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
      i++;
    }
    this.pos = i;
  }

  /** Throw PGRST100: `unexpected <found> expecting <expected>`. */
  fail(expected: string | null, opts: FailOptions = {}): never {
    const at = opts.at ?? this.pos;
    const found =
      opts.found !== undefined
        ? JSON.stringify(opts.found)
        : at >= this.src.length
          ? 'end of input'
          : JSON.stringify(String.fromCodePoint(this.src.codePointAt(at)!));
    const details = expected === null ? `unexpected ${found}` : `unexpected ${found} expecting ${expected}`;
    throw errors.parse(this.message(at), details, opts.hint ?? null);
  }

  /** `"failed to parse order (id.ac)" (line 1, column 4)`, PostgREST's message for a query-parameter error. */
  message(at: number): string {
    return `"failed to parse ${this.label} (${echo(this.src)})" (line 1, column ${this.columnOffset + at + 1})`;
  }
}
