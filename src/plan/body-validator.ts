/**
 * Checks request bodies against the column types before any SQL runs, so a wrong type, a null
 * in a NOT NULL column or a too-long string is a 400 naming the column, not a database error.
 * One ajv validator is compiled per table and column set, then reused for every request.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { errors, rowgateError } from '../errors/catalog.js';
import type { Column, ColumnType, Table } from '../schema/model.js';

export type BodyValidator = (rows: readonly Record<string, unknown>[]) => void;

const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
const cache = new WeakMap<Table, Map<string, BodyValidator>>();

const DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const TIME = '^\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([zZ]|[+-]\\d{2}(:?\\d{2})?)?$';
const TIMESTAMP = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?([zZ]|[+-]\\d{2}(:?\\d{2})?)?$';
const UUID = '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
const NUMERIC_TEXT = '^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?$';

/** The JSON Schema a column's values must match in a request body (null handled separately). */
export function columnValueSchema(column: Column): Record<string, unknown> {
  const base = typeSchema(column.type);
  const schema: Record<string, unknown> = { ...base };
  if (column.enumValues) schema.enum = column.enumValues;
  if (column.maxLength !== null && base.type === 'string') schema.maxLength = column.maxLength;
  return schema;
}

function typeSchema(type: ColumnType): Record<string, unknown> {
  switch (type) {
    case 'integer':
      // JSON allows 1e20; no engine's integer holds it (SQLite would store a REAL instead).
      return { type: 'integer', minimum: -9223372036854775808, maximum: 9223372036854775807 };
    case 'bigint':
      // Large integers travel as strings in JSON (PostgREST renders int8 as a number, clients may send text).
      return { anyOf: [{ type: 'integer', minimum: -9223372036854775808, maximum: 9223372036854775807 }, { type: 'string', pattern: '^[+-]?\\d+$' }] };
    case 'number':
      return { type: 'number' };
    case 'numeric':
      return { anyOf: [{ type: 'number' }, { type: 'string', pattern: NUMERIC_TEXT }] };
    case 'boolean':
      return { type: 'boolean' };
    case 'uuid':
      return { type: 'string', pattern: UUID };
    case 'date':
      return { type: 'string', pattern: DATE };
    case 'time':
      return { type: 'string', pattern: TIME };
    case 'timestamp':
    case 'timestamptz':
      return { type: 'string', pattern: TIMESTAMP };
    case 'json':
    case 'unknown':
      return {};
    case 'blob':
      return { type: 'string', contentEncoding: 'base64' };
    case 'text':
      return { type: 'string' };
  }
}

/** The validator for bodies writing `columns` of `table`; `required` lists columns that must be present. */
export function bodyValidatorFor(table: Table, columns: readonly Column[]): BodyValidator {
  const key = columns.map((c) => c.name).join('\u0000');
  let byColumns = cache.get(table);
  if (!byColumns) cache.set(table, (byColumns = new Map()));
  const existing = byColumns.get(key);
  if (existing) return existing;

  const checks = columns.map((column) => ({ column, validate: ajv.compile(columnValueSchema(column)) }));
  const validator: BodyValidator = (rows) => {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      for (const { column, validate } of checks) {
        const value = row[column.name];
        // A key a row leaves out (bulk rows with columns=) is written as null, as PostgREST does.
        if (value === undefined || value === null) {
          if (!column.nullable) throw errors.notNull(table.name, column.name);
          continue;
        }
        if (!validate(value)) throw invalidColumnValue(table, column, value, validate, rows.length > 1 ? i : null);
      }
    }
  };
  byColumns.set(key, validator);
  return validator;
}

function invalidColumnValue(table: Table, column: Column, value: unknown, validate: ValidateFunction, index: number | null) {
  const problem = validate.errors?.[0];
  const expected = column.enumValues ? `one of ${column.enumValues.join(', ')}` : describeType(column);
  const at = index === null ? '' : ` (row ${index})`;
  const why = problem?.keyword === 'maxLength' ? `at most ${column.maxLength} characters` : expected;
  return rowgateError(problem?.keyword === 'maxLength' ? '22001' : '22P02', `invalid input for column "${column.name}" of "${table.name}"${at}: expected ${why}`, {
    details: `Got ${preview(value)}.`,
  });
}

function describeType(column: Column): string {
  switch (column.type) {
    case 'integer':
    case 'bigint':
      return 'an integer';
    case 'number':
    case 'numeric':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'date':
      return 'a date (YYYY-MM-DD)';
    case 'timestamp':
    case 'timestamptz':
      return 'a timestamp (ISO 8601)';
    case 'time':
      return 'a time (HH:MM:SS)';
    case 'uuid':
      return 'a UUID';
    case 'blob':
      return 'base64 text';
    default:
      return 'a string';
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
