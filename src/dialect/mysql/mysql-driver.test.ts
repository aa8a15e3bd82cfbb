/**
 * Splitting a JSON array body into row texts without parsing them (numbers keep every digit).
 */
import { describe, expect, it } from 'vitest';
import { splitJsonArray } from './mysql-driver.js';

describe('splitJsonArray', () => {
  it('returns each element as written', () => {
    expect(splitJsonArray('[{"a":1}, {"b":"]}\\",["}]')).toEqual(['{"a":1}', '{"b":"]}\\",["}']);
    expect(splitJsonArray(' [ {"n": 9007199254740993} ] ')).toEqual(['{"n": 9007199254740993}']);
    expect(splitJsonArray('[[1,2],{"x":[{}]}, 3, "s", null]')).toEqual(['[1,2]', '{"x":[{}]}', '3', '"s"', 'null']);
  });

  it('returns nothing for an empty array', () => {
    expect(splitJsonArray('[]')).toEqual([]);
    expect(splitJsonArray('[ ]')).toEqual([]);
  });
});
