/**
 * PostgREST's full-text filters on MySQL/MariaDB: the query text is parsed as PostgreSQL would
 * (util/search-query.ts) and rendered in MATCH … AGAINST's boolean-mode syntax. Words are made of
 * letters, digits and `_` only, so nothing the client sends is read as an operator.
 */
import { rowgateError } from '../../errors/catalog.js';
import { parseSearchQuery, SearchSyntaxError, type SearchMode, type SearchNode } from '../../util/search-query.js';

/** A query with no word: PostgreSQL matches nothing, and so does an empty boolean-mode query. */
const NOTHING = '';

export function toMysqlSearchQuery(mode: SearchMode, text: string): string {
  try {
    const node = parseSearchQuery(mode, text);
    return node ? `+${operand(node)}` : NOTHING;
  } catch (e) {
    if (e instanceof SearchSyntaxError) {
      throw rowgateError('42601', e.message, { hint: 'to_tsquery syntax: words joined by & | ! and <->, with (…) and word:* for prefixes' });
    }
    throw e;
  }
}

/** `a & (b | c) & !d` -> `(+a +(b c) -d)`: `+` must, `-` must not, bare words any of. */
function operand(node: SearchNode): string {
  switch (node.kind) {
    case 'term':
      return node.prefix ? `${node.text}*` : node.text;
    case 'phrase':
      return `"${node.words.join(' ')}"`;
    case 'or':
      if (node.items.some((i) => i.kind === 'not')) throw new SearchSyntaxError('a negated term must be joined with & on this engine');
      return `(${node.items.map(operand).join(' ')})`;
    case 'and': {
      // Boolean mode matches nothing when every term is excluded, where PostgreSQL would match the rest.
      if (node.items.every((i) => i.kind === 'not')) throw new SearchSyntaxError('a search needs at least one term that is not negated');
      return `(${node.items.map((i) => (i.kind === 'not' ? `-${operand(i.item)}` : `+${operand(i)}`)).join(' ')})`;
    }
    case 'not':
      throw new SearchSyntaxError('a search needs at least one term that is not negated');
  }
}
