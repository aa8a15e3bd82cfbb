/**
 * PostgREST's full-text filters on SQLite: the query text is parsed as PostgreSQL would
 * (util/search-query.ts) and rendered as an FTS5 MATCH expression restricted to the filtered
 * column. Every word is quoted, so nothing the client sends is read as FTS5 syntax.
 */
import { rowgateError } from '../../errors/catalog.js';
import { parseSearchQuery, SearchSyntaxError, type SearchMode, type SearchNode } from '../../util/search-query.js';

/** A MATCH expression that no document satisfies, for a query without words (PostgreSQL matches nothing). */
const NOTHING = '"\u0001rowgate-no-match\u0001"';

export function toFts5Query(mode: SearchMode, text: string, column: string): string {
  let node: SearchNode | null;
  try {
    node = parseSearchQuery(mode, text);
    if (!node) return NOTHING;
    return `{${quote(column)}} : (${render(node)})`;
  } catch (e) {
    if (e instanceof SearchSyntaxError) throw rowgateError('42601', e.message, { hint: "to_tsquery syntax: words joined by & | ! and <->, with (…) and word:* for prefixes" });
    throw e;
  }
}

function render(node: SearchNode): string {
  switch (node.kind) {
    case 'term':
      return node.prefix ? `${quote(node.text)} *` : quote(node.text);
    case 'phrase':
      return quote(node.words.join(' '));
    case 'or':
      return `(${node.items.map(render).join(" OR ")})`;
    case 'and': {
      // FTS5's NOT is binary (`a NOT b`), so exclusions follow the terms they narrow.
      const positive = node.items.filter((i) => i.kind !== 'not');
      const negative = node.items.filter((i): i is Extract<SearchNode, { kind: 'not' }> => i.kind === 'not');
      if (positive.length === 0) throw new SearchSyntaxError('a search needs at least one term that is not negated');
      return `(${positive.map(render).join(' AND ')})${negative.map((n) => ` NOT ${render(n.item)}`).join('')}`;
    }
    case 'not':
      throw new SearchSyntaxError('a search needs at least one term that is not negated');
  }
}

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}
