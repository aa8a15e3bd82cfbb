import { expect, test } from 'vitest';
import { mapSqliteType } from './sqlite-type-map.js';

test.each([
  ['', 'unknown', null],
  ['INTEGER', 'integer', null],
  ['int', 'integer', null],
  ['TINYINT', 'integer', null],
  ['BIGINT', 'bigint', null],
  ['INT8', 'bigint', null],
  ['unsigned  big int', 'bigint', null],
  ['BOOLEAN', 'boolean', null],
  ['bool', 'boolean', null],
  ['DATE', 'date', null],
  ['DATETIME', 'timestamp', null],
  ['TIMESTAMP(3)', 'timestamp', null],
  ['TIMESTAMPTZ', 'timestamptz', null],
  ['timestamp with time zone', 'timestamptz', null],
  ['TIME', 'time', null],
  ['JSON', 'json', null],
  ['JSONB', 'json', null],
  ['UUID', 'uuid', null],
  ['NUMERIC', 'numeric', null],
  ['DECIMAL(10,2)', 'numeric', null],
  ['NUMBER', 'numeric', null],
  ['REAL', 'number', null],
  ['FLOAT', 'number', null],
  ['DOUBLE PRECISION', 'number', null],
  ['TEXT', 'text', null],
  ['VARCHAR(80)', 'text', 80],
  ['CHARACTER VARYING ( 255 )', 'text', 255],
  ['NCHAR(2)', 'text', 2],
  ['CLOB', 'text', null],
  ['BLOB', 'blob', null],
  ['FLOATING POINT', 'integer', null], // SQLite rule 1: contains "INT", so INTEGER affinity
  ['STRING', 'unknown', null], // NUMERIC affinity catch-all
  ['MONEY', 'unknown', null],
])('%j -> %s', (declared, type, maxLength) => {
  expect(mapSqliteType(declared)).toEqual({ type, maxLength });
});
