import { describe, expect, it } from 'vitest';
import { neutralType, parseEnumCheck } from './postgres-introspector.js';

describe('parseEnumCheck', () => {
  it.each([
    ["(genre = ANY (ARRAY['fiction'::text, 'poetry'::text, 'essay'::text]))", { column: 'genre', values: ['fiction', 'poetry', 'essay'] }],
    ["((code)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))", { column: 'code', values: ['a', 'b'] }],
    ["(mood = 'calm'::text)", { column: 'mood', values: ['calm'] }],
    ["(\"Odd Name\" = ANY (ARRAY['x'::text]))", { column: 'Odd Name', values: ['x'] }],
    ["(status = ANY (ARRAY['it''s'::text, 'a, b'::text, '(x)'::text]))", { column: 'status', values: ["it's", 'a, b', '(x)'] }],
    ["((size)::text = ANY ((ARRAY['s]'::character varying, 'm'::character varying])::text[]))", { column: 'size', values: ['s]', 'm'] }],
  ])('%s', (expression, expected) => {
    expect(parseEnumCheck(expression)).toEqual(expected);
  });

  it.each([
    '(price >= (0)::numeric)',
    "((genre IS NULL) OR (genre = ANY (ARRAY['a'::text])))",
    "(lower(genre) = ANY (ARRAY['a'::text]))",
    '(n = ANY (ARRAY[1, 2]))',
    "(genre <> 'c'::text)",
    "((a = 'x'::text) AND (b = 'y'::text))",
  ])('%s is not a list of values', (expression) => {
    expect(parseEnumCheck(expression)).toBeNull();
  });
});

describe('neutralType', () => {
  it('maps base types and enums, and anything else to unknown', () => {
    expect(neutralType('int4', 'b')).toBe('integer');
    expect(neutralType('int8', 'b')).toBe('bigint');
    expect(neutralType('numeric', 'b')).toBe('numeric');
    expect(neutralType('bpchar', 'b')).toBe('text');
    expect(neutralType('jsonb', 'b')).toBe('json');
    expect(neutralType('bytea', 'b')).toBe('blob');
    expect(neutralType('mood', 'e')).toBe('text');
    expect(neutralType('_int4', 'b')).toBe('unknown');
    expect(neutralType('point', 'b')).toBe('unknown');
  });
});
