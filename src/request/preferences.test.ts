import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { parsePreferences } from './preferences.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

const none = {
  return: null,
  count: null,
  resolution: null,
  missing: null,
  tx: null,
  handling: null,
  maxAffected: null,
  timezone: null,
  invalid: [],
};

describe('parsePreferences', () => {
  it('has no preferences without the header', () => {
    expect(parsePreferences(undefined)).toEqual(none);
    expect(parsePreferences('')).toEqual(none);
  });

  it('reads one header with a comma-separated list', () => {
    expect(parsePreferences('resolution=ignore-duplicates, count=exact, timezone=America/Los_Angeles, max-affected=100')).toEqual({
      ...none,
      resolution: 'ignore-duplicates',
      count: 'exact',
      timezone: 'America/Los_Angeles',
      maxAffected: 100,
    });
  });

  it('reads every value of every preference', () => {
    for (const v of ['minimal', 'headers-only', 'representation'] as const) expect(parsePreferences(`return=${v}`).return).toBe(v);
    for (const v of ['exact', 'planned', 'estimated'] as const) expect(parsePreferences(`count=${v}`).count).toBe(v);
    for (const v of ['merge-duplicates', 'ignore-duplicates'] as const) expect(parsePreferences(`resolution=${v}`).resolution).toBe(v);
    for (const v of ['default', 'null'] as const) expect(parsePreferences(`missing=${v}`).missing).toBe(v);
    for (const v of ['commit', 'rollback'] as const) expect(parsePreferences(`tx=${v}`).tx).toBe(v);
    for (const v of ['strict', 'lenient'] as const) expect(parsePreferences(`handling=${v}`).handling).toBe(v);
  });

  it('reads several headers, and the first value of a preference wins', () => {
    expect(parsePreferences(['resolution=ignore-duplicates', 'resolution=merge-duplicates', 'count=exact'])).toMatchObject({
      resolution: 'ignore-duplicates',
      count: 'exact',
    });
    expect(parsePreferences('tx=commit, tx=rollback').tx).toBe('commit');
    expect(parsePreferences('count=exact,    tx=commit   ,return=representation , missing=default')).toMatchObject({
      count: 'exact',
      tx: 'commit',
      return: 'representation',
      missing: 'default',
    });
  });

  it('collects what it does not understand, and accepts params=single-object', () => {
    expect(parsePreferences('return=minimal, anything, count=EXACT, max-affected=-1, max-affected=x, timezone=, params=single-object,').invalid).toEqual([
      'anything',
      'count=EXACT',
      'max-affected=-1',
      'max-affected=x',
      'timezone=',
    ]);
    expect(parsePreferences('__proto__, constructor').invalid).toEqual(['__proto__', 'constructor']);
  });

  it('refuses invalid preferences under handling=strict only', () => {
    expect(parsePreferences('handling=lenient, bogus').invalid).toEqual(['bogus']);
    expect(parsePreferences('handling=strict, return=minimal').return).toBe('minimal');
    const e = failure(() => parsePreferences('handling=strict, bogus, other=1'));
    expect(e).toMatchObject({
      code: 'PGRST122',
      status: 400,
      message: 'Invalid preferences given with handling=strict',
      details: 'Invalid preferences: bogus, other=1',
    });
    // the first handling wins, so a later strict does not apply
    expect(parsePreferences('handling=lenient, handling=strict, bogus').handling).toBe('lenient');
  });
});
