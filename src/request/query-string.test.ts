import { describe, expect, it } from 'vitest';
import { decodePathSegment, decodeQueryComponent, lenientPercentDecode, splitQueryString } from './query-string.js';

describe('splitQueryString', () => {
  it('splits on & and =, keeping repeats and bare keys', () => {
    expect(splitQueryString('')).toEqual([]);
    expect(splitQueryString('a=1&b=&c&a=2')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '' },
      { key: 'c', value: null },
      { key: 'a', value: '2' },
    ]);
    expect(splitQueryString('&&a=1&')).toEqual([{ key: 'a', value: '1' }]);
    expect(splitQueryString('a=x=y')).toEqual([{ key: 'a', value: 'x=y' }]);
  });

  it('form-decodes keys and values', () => {
    expect(splitQueryString('na%20me=a+b%2Bc&select=id%2Cname')).toEqual([
      { key: 'na me', value: 'a b+c' },
      { key: 'select', value: 'id,name' },
    ]);
    expect(splitQueryString('x=%26%3D')).toEqual([{ key: 'x', value: '&=' }]);
  });

  it('stays linear on many bare keys', () => {
    const qs = 'a&'.repeat(100_000);
    const t0 = performance.now();
    expect(splitQueryString(qs)).toHaveLength(100_000);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('percent decoding', () => {
  it('decodes UTF-8', () => {
    expect(decodeQueryComponent('caf%C3%A9')).toBe('café');
    expect(decodeQueryComponent('%E5%90%8D%E5%89%8D')).toBe('名前');
    expect(decodeQueryComponent('%F0%9F%98%80')).toBe('😀');
    expect(decodeQueryComponent('日本')).toBe('日本');
  });

  it('keeps a malformed escape as a literal and never throws', () => {
    expect(decodeQueryComponent('100%')).toBe('100%');
    expect(decodeQueryComponent('100%25')).toBe('100%');
    expect(decodeQueryComponent('a%zzb')).toBe('a%zzb');
    expect(decodeQueryComponent('a%2')).toBe('a%2');
    expect(decodeQueryComponent('%%41')).toBe('%A');
    expect(decodeQueryComponent('like.*50%*+off%21')).toBe('like.*50%* off!');
  });

  it('turns bytes that are not UTF-8 into U+FFFD', () => {
    expect(decodeQueryComponent('%FF')).toBe('\uFFFD');
    expect(decodeQueryComponent('a%C3')).toBe('a\uFFFD');
    expect(decodeQueryComponent('%C3%A9%FF%zz')).toBe('é\uFFFD%zz');
    expect(lenientPercentDecode('%41%42%ZZ%43')).toBe('AB%ZZC');
  });

  it('leaves + alone in path segments', () => {
    expect(decodePathSegment('a+b%2Fc')).toBe('a+b/c');
    expect(decodePathSegment('100%')).toBe('100%');
  });
});
