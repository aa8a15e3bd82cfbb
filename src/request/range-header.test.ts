import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { parseLimitOffset, parseRangeHeader, resolveRanges, type LimitOffset } from './range-header.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

/** The ranges with their refs replaced by the values they point at. */
function resolved(params: LimitOffset[], header: string | undefined) {
  const values: string[] = ['x'];
  const ranges = resolveRanges(params, parseRangeHeader(header), values);
  return ranges.map((r) => ({
    path: r.path,
    limit: r.limit === null ? null : values[r.limit],
    offset: r.offset === null ? null : values[r.offset],
  }));
}

describe('parseRangeHeader', () => {
  it('reads start-end and start-', () => {
    expect(parseRangeHeader('0-24')).toEqual({ start: 0, end: 24 });
    expect(parseRangeHeader('10-')).toEqual({ start: 10, end: null });
    expect(parseRangeHeader('5-2')).toEqual({ start: 5, end: 2 });
  });

  it('ignores anything else, as PostgREST does', () => {
    for (const bad of [undefined, '', '-5', 'items=0-24', '0 - 24', '0-24, 30-40', 'a-b', '1-2-3', '0-1e3', '1234567890123456-']) {
      expect(parseRangeHeader(bad)).toBeNull();
    }
  });
});

describe('parseLimitOffset', () => {
  it('reads digits up to 2^31-1', () => {
    expect(parseLimitOffset('limit', '0')).toBe(0);
    expect(parseLimitOffset('limit', '2147483647')).toBe(2147483647);
    expect(failure(() => parseLimitOffset('limit', '2147483648'))).toMatchObject({
      code: 'PGRST100',
      status: 400,
      message: '"failed to parse limit parameter (2147483648)" (line 1, column 1)',
      details: 'unexpected "2147483648" expecting a non-negative integer up to 2147483647',
    });
    expect(failure(() => parseLimitOffset('limit', '10x')).details).toBe('unexpected "x" expecting a non-negative integer');
    expect(failure(() => parseLimitOffset('offset', '')).details).toBe('unexpected end of input expecting a non-negative integer');
  });
});

describe('resolveRanges', () => {
  it('turns limit/offset into value refs, per level', () => {
    expect(
      resolved(
        [
          { path: [], limit: 10, offset: null },
          { path: ['items'], limit: 3, offset: 6 },
        ],
        undefined,
      ),
    ).toEqual([
      { path: [], limit: '10', offset: null },
      { path: ['items'], limit: '3', offset: '6' },
    ]);
  });

  it('turns the Range header into a root range', () => {
    expect(resolved([], '0-24')).toEqual([{ path: [], limit: '25', offset: '0' }]);
    expect(resolved([], '10-')).toEqual([{ path: [], limit: null, offset: '10' }]);
    expect(resolved([], '3-3')).toEqual([{ path: [], limit: '1', offset: '3' }]);
    expect(resolved([{ path: ['items'], limit: 2, offset: null }], '0-9')).toEqual([
      { path: [], limit: '10', offset: '0' },
      { path: ['items'], limit: '2', offset: null },
    ]);
  });

  it('intersects the Range header with limit/offset, as PostgREST does', () => {
    expect(resolved([{ path: [], limit: 10, offset: 5 }], '0-24')).toEqual([{ path: [], limit: '10', offset: '5' }]);
    expect(resolved([{ path: [], limit: 100, offset: null }], '10-19')).toEqual([{ path: [], limit: '10', offset: '10' }]);
    expect(resolved([{ path: [], limit: null, offset: 15 }], '10-19')).toEqual([{ path: [], limit: '5', offset: '15' }]);
    // limit=5 alone means rows 0-4, which rows 10- do not meet: PostgREST answers 416 too
    expect(failure(() => resolved([{ path: [], limit: 5, offset: null }], '10-')).status).toBe(416);
  });

  it('lets limit=0 win over the Range header', () => {
    expect(resolved([{ path: [], limit: 0, offset: null }], '0-24')).toEqual([{ path: [], limit: '0', offset: '0' }]);
    expect(resolved([{ path: [], limit: 0, offset: null }], undefined)).toEqual([{ path: [], limit: '0', offset: null }]);
  });

  it('answers 416 for a range that selects nothing', () => {
    const e = failure(() => resolved([], '5-2'));
    expect(e).toMatchObject({ code: 'PGRST103', status: 416, message: 'Requested range not satisfiable' });
    expect(e.details).toBe('The lower boundary must be lower than or equal to the upper boundary in the Range header.');
    expect(failure(() => resolved([{ path: [], limit: 5, offset: 50 }], '0-9'))).toMatchObject({ code: 'PGRST103', status: 416 });
  });
});
