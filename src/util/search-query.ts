/**
 * Full-text search queries as PostgreSQL's four parsers read them, into one small tree that each
 * engine renders in its own syntax (SQLite FTS5 MATCH, MySQL boolean mode). Knows nothing of
 * rowgate. Terms are plain words; the renderer quotes them, so no input reaches the engine's
 * query syntax unescaped.
 *
 *   to_tsquery          'fat & (rat | !cat) & sup:*'   (mode `fts`)
 *   plainto_tsquery     'fat rats'                      (mode `plfts`: every word)
 *   phraseto_tsquery    'fat rats'                      (mode `phfts`: the words in order)
 *   websearch_to_tsquery '"fat rat" or cat -dog'        (mode `wfts`)
 */
export type SearchMode = 'fts' | 'plfts' | 'phfts' | 'wfts';

export type SearchNode =
  | { readonly kind: 'term'; readonly text: string; readonly prefix: boolean }
  | { readonly kind: 'phrase'; readonly words: readonly string[] }
  | { readonly kind: 'and' | 'or'; readonly items: readonly SearchNode[] }
  | { readonly kind: 'not'; readonly item: SearchNode };

export class SearchSyntaxError extends Error {}

const WORD = /[\p{L}\p{N}_]+/gu;

/** Null when the text holds no word at all (PostgreSQL then matches nothing). */
export function parseSearchQuery(mode: SearchMode, text: string): SearchNode | null {
  switch (mode) {
    case 'plfts': {
      const words = text.match(WORD) ?? [];
      return words.length === 0 ? null : and(words.map((w) => ({ kind: 'term', text: w, prefix: false })));
    }
    case 'phfts': {
      const words = text.match(WORD) ?? [];
      return words.length === 0 ? null : words.length === 1 ? { kind: 'term', text: words[0], prefix: false } : { kind: 'phrase', words };
    }
    case 'wfts':
      return parseWebsearch(text);
    case 'fts':
      return new TsQueryParser(text).parse();
  }
}

function and(items: SearchNode[]): SearchNode {
  return items.length === 1 ? items[0] : { kind: 'and', items };
}

/** `"fat rat" or cat -dog`: quoted phrases, OR between groups, `-` to exclude; never a syntax error. */
function parseWebsearch(text: string): SearchNode | null {
  const groups: SearchNode[][] = [[]];
  const re = /(-?)"([^"]*)"?|(-?)([^\s"]+)/gu;
  for (const m of text.matchAll(re)) {
    const negated = (m[1] || m[3]) === '-';
    if (m[4] !== undefined && !negated && m[4].toLowerCase() === 'or') {
      if (groups[groups.length - 1].length > 0) groups.push([]);
      continue;
    }
    const words = (m[2] ?? m[4]).match(WORD) ?? [];
    if (words.length === 0) continue;
    const node: SearchNode = words.length === 1 ? { kind: 'term', text: words[0], prefix: false } : { kind: 'phrase', words };
    groups[groups.length - 1].push(negated ? { kind: 'not', item: node } : node);
  }
  const ors = groups.filter((g) => g.length > 0).map(and);
  return ors.length === 0 ? null : ors.length === 1 ? ors[0] : { kind: 'or', items: ors };
}

/** to_tsquery: `a & b`, `a | b`, `!a`, `a <-> b` (followed by), `(…)`, `word:*` (prefix). */
class TsQueryParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  parse(): SearchNode | null {
    this.skip();
    if (this.pos >= this.text.length) return null;
    const node = this.or();
    this.skip();
    if (this.pos < this.text.length) throw new SearchSyntaxError(`syntax error in tsquery at "${this.text.slice(this.pos, this.pos + 20)}"`);
    return node;
  }

  private or(): SearchNode {
    const items = [this.and()];
    while (this.eat('|')) items.push(this.and());
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private and(): SearchNode {
    const items = [this.unary()];
    for (;;) {
      if (this.eat('&')) items.push(this.unary());
      else if (this.eat('<->')) items.push(this.followedBy(items.pop()!, this.unary()));
      else break;
    }
    return and(items);
  }

  /** `a <-> b` is a phrase when both sides are words; otherwise it degrades to AND. */
  private followedBy(left: SearchNode, right: SearchNode): SearchNode {
    const words = (n: SearchNode) => (n.kind === 'term' && !n.prefix ? [n.text] : n.kind === 'phrase' ? n.words : null);
    const l = words(left);
    const r = words(right);
    return l && r ? { kind: 'phrase', words: [...l, ...r] } : { kind: 'and', items: [left, right] };
  }

  private unary(): SearchNode {
    if (this.eat('!')) return { kind: 'not', item: this.unary() };
    if (this.eat('(')) {
      if (++this.depth > 32) throw new SearchSyntaxError('tsquery nested too deeply');
      const inner = this.or();
      if (!this.eat(')')) throw new SearchSyntaxError('syntax error in tsquery: missing ")"');
      this.depth--;
      return inner;
    }
    this.skip();
    const m = new RegExp(WORD.source, 'uy').exec(this.text.slice(this.pos));
    if (!m) throw new SearchSyntaxError(`syntax error in tsquery at "${this.text.slice(this.pos, this.pos + 20) || 'end of input'}"`);
    this.pos += m[0].length;
    const prefix = this.eat(':*');
    return { kind: 'term', text: m[0], prefix };
  }

  private eat(token: string): boolean {
    this.skip();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
}
