import { describe, expect, test } from 'vitest';
import { parseCreateTable, parseEnumCheck, parseInsteadOfOperation, tokenizeSql } from './sqlite-ddl-parse.js';

describe('tokenizeSql', () => {
  test('unquotes strings and identifiers and drops comments', () => {
    const tokens = tokenizeSql(`"a""b" [c d] \`e\`\`f\` 'it''s' -- gone\n x /* gone */ (`);
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['ident', 'a"b'],
      ['ident', 'c d'],
      ['ident', 'e`f'],
      ['string', "it's"],
      ['word', 'x'],
      ['punct', '('],
    ]);
  });

  test('an unterminated string runs to the end instead of throwing', () => {
    expect(tokenizeSql(`'abc`)).toEqual([{ kind: 'string', value: 'abc', start: 0, end: 4 }]);
  });
});

describe('parseCreateTable', () => {
  test('finds column- and table-level checks with their optional names', () => {
    const parsed = parseCreateTable(`CREATE TABLE t (
      a INT DEFAULT (abs(-1)) CONSTRAINT a_pos CHECK (a > 0) CHECK (a < 10),
      b TEXT CHECK (b NOT IN ('(', ')', 'check (x)')),
      CONSTRAINT 'quoted name' CHECK ((a + 1) * 2 > 0),
      CHECK (b <> '--')
    )`);
    expect(parsed).toEqual({
      checks: [
        { name: 'a_pos', expression: 'a > 0' },
        { name: null, expression: 'a < 10' },
        { name: null, expression: "b NOT IN ('(', ')', 'check (x)')" },
        { name: 'quoted name', expression: '(a + 1) * 2 > 0' },
        { name: null, expression: "b <> '--'" },
      ],
      withoutRowid: false,
      virtualModule: null,
    });
  });

  test('reads WITHOUT ROWID among the table options, not inside the body', () => {
    expect(parseCreateTable('CREATE TABLE t (k PRIMARY KEY) STRICT, WITHOUT ROWID').withoutRowid).toBe(true);
    expect(parseCreateTable(`CREATE TABLE t (k DEFAULT 'WITHOUT ROWID')`).withoutRowid).toBe(false);
  });

  test('names the module of a virtual table and ignores CREATE TABLE AS', () => {
    expect(parseCreateTable('CREATE VIRTUAL TABLE d USING FTS5(title, tokenize = "porter")').virtualModule).toBe('fts5');
    expect(parseCreateTable('CREATE TABLE c AS SELECT 1 AS x WHERE (1 CHECK)')).toEqual({
      checks: [],
      withoutRowid: false,
      virtualModule: null,
    });
  });
});

describe('parseEnumCheck', () => {
  test.each([
    [`status IN ('a','b')`, { column: 'status', values: ['a', 'b'] }],
    [`"Status" in ('a')`, { column: 'Status', values: ['a'] }],
    [`(([status] IN ('it''s', 'x,y')))`, { column: 'status', values: ["it's", 'x,y'] }],
    ['`s` IN (\'a\', \'b\')', { column: 's', values: ['a', 'b'] }],
  ])('%s is an enum', (expression, expected) => {
    expect(parseEnumCheck(expression)).toEqual(expected);
  });

  test.each([
    `status IN ('a') OR status IS NULL`,
    `status NOT IN ('a')`,
    `n IN (1, 2)`,
    `status IN ()`,
    `lower(status) IN ('a')`,
    `status IN ('a', NULL)`,
  ])('%s is not an enum', (expression) => {
    expect(parseEnumCheck(expression)).toBeNull();
  });
});

describe('parseInsteadOfOperation', () => {
  test('reads the operation from the trigger header only', () => {
    expect(parseInsteadOfOperation('CREATE TRIGGER x INSTEAD OF UPDATE OF a, b ON v BEGIN SELECT 1; END')).toBe('update');
    expect(parseInsteadOfOperation('CREATE TRIGGER "instead of" instead of insert ON v BEGIN SELECT 1; END')).toBe('insert');
    expect(parseInsteadOfOperation('CREATE TRIGGER x AFTER DELETE ON t BEGIN SELECT 1; END')).toBeNull();
  });
});
