import { describe, expect, it } from 'vitest';
import { parseSearchQuery, SearchSyntaxError } from './search-query.js';

describe('parseSearchQuery', () => {
  it('plfts: every word', () => {
    expect(parseSearchQuery('plfts', 'Oak, lamp!')).toEqual({ kind: 'and', items: [{ kind: 'term', text: 'Oak', prefix: false }, { kind: 'term', text: 'lamp', prefix: false }] });
    expect(parseSearchQuery('plfts', ' ,; ')).toBeNull();
  });

  it('phfts: a phrase', () => {
    expect(parseSearchQuery('phfts', 'desk lamp')).toEqual({ kind: 'phrase', words: ['desk', 'lamp'] });
  });

  it('wfts: quotes, or, minus', () => {
    expect(parseSearchQuery('wfts', '"desk lamp" or table -pine')).toEqual({
      kind: 'or',
      items: [{ kind: 'phrase', words: ['desk', 'lamp'] }, { kind: 'and', items: [{ kind: 'term', text: 'table', prefix: false }, { kind: 'not', item: { kind: 'term', text: 'pine', prefix: false } }] }],
    });
  });

  it('fts: operators, grouping, prefix, followed-by', () => {
    expect(parseSearchQuery('fts', 'lamp & (oak | !pine) & sha:*')).toEqual({
      kind: 'and',
      items: [
        { kind: 'term', text: 'lamp', prefix: false },
        { kind: 'or', items: [{ kind: 'term', text: 'oak', prefix: false }, { kind: 'not', item: { kind: 'term', text: 'pine', prefix: false } }] },
        { kind: 'term', text: 'sha', prefix: true },
      ],
    });
    expect(parseSearchQuery('fts', 'desk <-> lamp')).toEqual({ kind: 'phrase', words: ['desk', 'lamp'] });
  });

  it('fts: broken syntax is an error, deep nesting too', () => {
    expect(() => parseSearchQuery('fts', 'lamp &')).toThrow(SearchSyntaxError);
    expect(() => parseSearchQuery('fts', '(lamp')).toThrow(SearchSyntaxError);
    expect(() => parseSearchQuery('fts', '('.repeat(1000) + 'a' + ')'.repeat(1000))).toThrow(SearchSyntaxError);
  });
});
