/**
 * PostgreSQL's full-text query syntaxes rendered as MATCH … AGAINST boolean-mode queries.
 */
import { describe, expect, it } from 'vitest';
import { toMysqlSearchQuery } from './mysql-fts.js';

describe('toMysqlSearchQuery', () => {
  it.each([
    ['fts', 'wizard', '+wizard'],
    ['fts', '(wizard | memos) & !earthsea', '+(+(wizard memos) -earthsea)'],
    ['fts', 'invis:*', '+invis*'],
    ['fts', 'grain <-> sand', '+"grain sand"'],
    ['plfts', 'sand grain', '+(+sand +grain)'],
    ['phfts', 'grain of sand', '+"grain of sand"'],
    ['wfts', '"invisible cities" or memos -dog', '+("invisible cities" (+memos -dog))'],
    ['plfts', '+-*()"<>~@', ''],
  ] as const)('%s %s', (mode, text, expected) => {
    expect(toMysqlSearchQuery(mode, text)).toBe(expected);
  });

  it('refuses what boolean mode cannot say, as a 400', () => {
    expect(() => toMysqlSearchQuery('fts', '!cat')).toThrow(/at least one term/);
    expect(() => toMysqlSearchQuery('fts', 'a | !b')).toThrow(/negated term/);
    expect(() => toMysqlSearchQuery('fts', 'wizard &')).toThrow(expect.objectContaining({ code: '42601' }));
  });
});
