import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { Cursor, echo } from './cursor.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

describe('Cursor', () => {
  it('scans', () => {
    const c = new Cursor(' \t a,b', 'x');
    c.skipSpaces();
    expect(c.pos).toBe(3);
    expect(c.peek()).toBe('a');
    expect(c.eat('a,')).toBe(true);
    expect(c.startsWith('b')).toBe(true);
    c.expect('b');
    expect(c.atEnd).toBe(true);
    expect(c.peek()).toBe('');
  });

  it('fails with PostgREST-shaped PGRST100 errors', () => {
    const c = new Cursor('abc', 'order', 2);
    c.pos = 1;
    const e = failure(() => c.fail('"x"'));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400, hint: null });
    expect(e.message).toBe('"failed to parse order (abc)" (line 1, column 4)');
    expect(e.details).toBe('unexpected "b" expecting "x"');
    expect(failure(() => c.fail(null, { at: 3 })).details).toBe('unexpected end of input');
    expect(failure(() => c.fail('y', { found: 'bc', hint: 'h' }))).toMatchObject({ details: 'unexpected "bc" expecting y', hint: 'h' });
    expect(failure(() => new Cursor('a"b', 'f').fail('z', { at: 1 })).details).toBe('unexpected "\\"" expecting z');
  });

  it('truncates long input in messages', () => {
    expect(echo('a'.repeat(10))).toBe('a'.repeat(10));
    expect(echo('a'.repeat(1000))).toBe(`${'a'.repeat(200)}...`);
    expect(failure(() => new Cursor('b'.repeat(5000), 'filter').fail('z')).message.length).toBeLessThan(260);
  });
});
