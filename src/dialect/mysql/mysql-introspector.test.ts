/**
 * The pure parts of MySQL introspection: catalog types -> neutral types, and enum values read back
 * from CHECK (col IN (…)) as MariaDB and MySQL print it. test/engines/mysql-introspection.test.ts
 * reads a real catalog.
 */
import { describe, expect, it } from 'vitest';
import { mapMysqlType, parseEnumCheck } from './mysql-introspector.js';

describe('mapMysqlType', () => {
  it.each([
    ['tinyint', 'tinyint(1)', 'boolean'],
    ['tinyint', 'tinyint(4)', 'integer'],
    ['bit', 'bit(1)', 'boolean'],
    ['bit', 'bit(8)', 'integer'],
    ['int', 'int(10) unsigned', 'integer'],
    ['bigint', 'bigint(20)', 'bigint'],
    ['decimal', 'decimal(8,2)', 'numeric'],
    ['double', 'double', 'number'],
    ['datetime', 'datetime(3)', 'timestamp'],
    ['timestamp', 'timestamp', 'timestamptz'],
    ['date', 'date', 'date'],
    ['time', 'time', 'time'],
    ['json', 'json', 'json'],
    ['varbinary', 'varbinary(16)', 'blob'],
    ['uuid', 'uuid', 'uuid'],
    ['geometry', 'geometry', 'unknown'],
  ])('%s %s -> %s', (data, full, type) => {
    expect(mapMysqlType(data, full, false, null).type).toBe(type);
  });

  it('reads MariaDB JSON (LONGTEXT with a json_valid check) as json', () => {
    expect(mapMysqlType('longtext', 'longtext', true, 4294967295).type).toBe('json');
  });

  it('keeps the declared length of CHAR and VARCHAR only', () => {
    expect(mapMysqlType('varchar', 'varchar(13)', false, 13)).toEqual({ type: 'text', maxLength: 13, enumValues: null });
    expect(mapMysqlType('text', 'text', false, 65535).maxLength).toBeNull();
  });

  it('lists ENUM values', () => {
    expect(mapMysqlType('enum', "enum('a','it''s','c')", false, 4).enumValues).toEqual(['a', "it's", 'c']);
  });
});

describe('parseEnumCheck', () => {
  it('reads MariaDB and MySQL spellings', () => {
    expect(parseEnumCheck("`genre` in ('fiction','poetry','essay')")).toEqual({ column: 'genre', values: ['fiction', 'poetry', 'essay'] });
    expect(parseEnumCheck("(`genre` in (_utf8mb4'fiction',_utf8mb4'poetry'))")).toEqual({ column: 'genre', values: ['fiction', 'poetry'] });
    expect(parseEnumCheck("`s` in ('it''s','b')")).toEqual({ column: 's', values: ["it's", 'b'] });
  });

  it('ignores checks that are not a plain list of strings', () => {
    expect(parseEnumCheck('`price` >= 0')).toBeNull();
    expect(parseEnumCheck('`n` in (1,2)')).toBeNull();
    expect(parseEnumCheck("`a` in ('x') and `b` > 0")).toBeNull();
  });
});
