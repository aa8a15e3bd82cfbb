import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { Cursor } from './cursor.js';
import { parseColumnList, parseFieldName, parseJsonPath, parseKeyNames, parseTreePath, scanQuoted } from './field-path.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

const cursor = (text: string) => new Cursor(text, 'tree path');

describe('field names', () => {
  it('reads identifiers the way PostgREST does', () => {
    expect(parseFieldName(cursor('identifier'))).toBe('identifier');
    expect(parseFieldName(cursor('identifier with spaces'))).toBe('identifier with spaces');
    expect(parseFieldName(cursor(' no leading or trailing spaces '))).toBe('no leading or trailing spaces');
    expect(parseFieldName(cursor('identifier-with-dashes'))).toBe('identifier-with-dashes');
    expect(parseFieldName(cursor('123'))).toBe('123');
    expect(parseFieldName(cursor('_'))).toBe('_');
    expect(parseFieldName(cursor('$'))).toBe('$');
    expect(parseFieldName(cursor('"\\":\\""'))).toBe('":"');
    expect(parseFieldName(cursor('" leading and trailing spaces "'))).toBe(' leading and trailing spaces ');
    expect(parseFieldName(cursor('ΑΒΓ_δ'))).toBe('ΑΒΓ_δ');
    expect(parseFieldName(cursor('𝒳𝒴'))).toBe('𝒳𝒴');
    const e = failure(() => parseFieldName(cursor(':')));
    expect(e.details).toBe('unexpected ":" expecting field name (* or [a..z0..9_$])');
    expect(failure(() => parseFieldName(cursor('😀'))).details).toBe('unexpected "😀" expecting field name (* or [a..z0..9_$])');
  });

  it('stops a name at a JSON arrow', () => {
    const c = cursor('data->x');
    expect(parseFieldName(c)).toBe('data');
    expect(c.pos).toBe(4);
    expect(failure(() => parseFieldName(cursor('a-'))).details).toBe('unexpected end of input expecting letter or digit');
  });

  it('scans quoted values with backslash escapes, or gives null when unclosed', () => {
    expect(scanQuoted('"a\\"b\\\\c"x', 0)).toEqual({ value: 'a"b\\c', end: 9 });
    expect(scanQuoted('"abc', 0)).toBeNull();
    expect(scanQuoted('"abc\\', 0)).toBeNull();
  });
});

describe('JSON paths', () => {
  it('reads keys, indexes and arrows', () => {
    expect(parseJsonPath(cursor('->text'))).toEqual([{ arrow: '->', key: 'text' }]);
    expect(parseJsonPath(cursor('->>1'))).toEqual([{ arrow: '->>', key: 1 }]);
    expect(parseJsonPath(cursor('->-2->>"a.b"'))).toEqual([
      { arrow: '->', key: -2 },
      { arrow: '->>', key: 'a.b' },
    ]);
    expect(parseJsonPath(cursor('->1a'))).toEqual([{ arrow: '->', key: '1a' }]);
    expect(parseJsonPath(cursor('->!@#$%^&*_a'))).toEqual([{ arrow: '->', key: '!@#$%^&*_a' }]);
    const c = cursor('->0,other');
    expect(parseJsonPath(c)).toEqual([{ arrow: '->', key: 0 }]);
    expect(c.pos).toBe(3);
  });

  it('refuses empty keys and unsafe indexes', () => {
    expect(failure(() => parseJsonPath(cursor('->>--34'))).details).toBe('unexpected "-" expecting any non reserved character different from: .,>()');
    expect(failure(() => parseJsonPath(cursor('->99999999999999999999'))).code).toBe('PGRST100');
  });
});

describe('key paths', () => {
  it('splits an embedded path from the column; JSON arrows belong to the column', () => {
    expect(parseTreePath(cursor('price'))).toEqual({ path: [], field: { name: 'price', jsonPath: [] } });
    expect(parseTreePath(cursor('a.b.col'))).toEqual({ path: ['a', 'b'], field: { name: 'col', jsonPath: [] } });
    expect(parseTreePath(cursor('items.data->a->>b'))).toEqual({
      path: ['items'],
      field: { name: 'data', jsonPath: [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 'b' }] },
    });
    expect(parseTreePath(cursor('"my.rel".col'))).toEqual({ path: ['my.rel'], field: { name: 'col', jsonPath: [] } });
    expect(parseTreePath(cursor('data->"a.b"'))).toEqual({ path: [], field: { name: 'data', jsonPath: [{ arrow: '->', key: 'a.b' }] } });
  });

  it('refuses a dot after a JSON path, which PostgREST silently drops', () => {
    const e = failure(() => parseTreePath(cursor('data->a.b')));
    expect(e.message).toBe('"failed to parse tree path (data->a.b)" (line 1, column 8)');
    expect(e.details).toBe('unexpected "." expecting "->", "->>" or end of input');
    expect(failure(() => parseTreePath(cursor('a..b'))).details).toBe('unexpected "." expecting field name (* or [a..z0..9_$])');
    expect(failure(() => parseTreePath(cursor('a[1]'))).details).toBe('unexpected "[" expecting ".", "->" or end of input');
  });

  it('reads reserved keys and column lists', () => {
    expect(parseKeyNames(cursor('a.not.or'))).toEqual(['a', 'not', 'or']);
    expect(parseColumnList(new Cursor('a, b ,"c,d"', 'columns parameter'))).toEqual(['a', 'b', 'c,d']);
    expect(failure(() => parseColumnList(new Cursor('', 'columns parameter')))).toMatchObject({
      message: '"failed to parse columns parameter ()" (line 1, column 1)',
    });
    expect(failure(() => parseColumnList(new Cursor('a,b(', 'columns parameter'))).details).toBe('unexpected "(" expecting "," or end of input');
  });
});
