/**
 * Turns a compiled query's parameter list into the values to bind for one request: request text
 * converted to the column's type (a 400 naming the column when it does not convert), the body as
 * JSON text, limits clamped. The only place request values meet SQL, always as bound parameters.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import type { ApiRequest } from '../request/types.js';
import type { ColumnType } from '../schema/model.js';
import type { CompiledParam, CompiledQuery } from '../compile/sql-compiler.js';
import type { BoundQuery, Dialect } from '../dialect/dialect.js';
import { ruleValueText } from '../auth/rule-predicate.js';

const INTEGER = /^[+-]?\d+$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', 'off', '0']);

/** Binds a query; `slots` are values the driver supplies mid-transaction (see CompiledParam). */
export function bindQuery(query: CompiledQuery, api: ApiRequest, dialect: Dialect, slots?: Readonly<Record<string, unknown>>): BoundQuery {
  const params = new Array<unknown>(query.params.length);
  for (let i = 0; i < params.length; i++) params[i] = bindParam(query.params[i], api, dialect, slots);
  return { sql: query.sql, params };
}

function bindParam(param: CompiledParam, api: ApiRequest, dialect: Dialect, slots: Readonly<Record<string, unknown>> | undefined): unknown {
  switch (param.kind) {
    case 'slot':
      if (!slots || !(param.name in slots)) throw new Error(`slot '${param.name}' was not supplied by the driver`);
      return slots[param.name];
    case 'value': {
      const text = api.values[param.ref];
      return dialect.toDriverValue(convertValue(text, param.type, param.column), param.type, text);
    }
    case 'const':
      return param.value;
    case 'rule': {
      // A caller without the value, or one that does not convert, binds null: the rule matches no row.
      const text = ruleValueText(param.value, api.caller);
      if (text === null) return null;
      try {
        return dialect.toDriverValue(convertValue(text, param.type, param.column), param.type);
      } catch {
        return null;
      }
    }
    case 'cursor':
      return dialect.toDriverValue(cursorValue(api.values[param.ref], param), param.type);
    case 'search':
      return dialect.toSearchQuery ? dialect.toSearchQuery(param.mode, api.values[param.ref], param.column) : api.values[param.ref];
    case 'limit': {
      if (param.ref === null) return param.max;
      const n = Number(api.values[param.ref]);
      return n < param.max ? n : param.max;
    }
    case 'body':
      return bodyText(api, param.object === true);
  }
}

/**
 * The body as a JSON array of row objects, the form every engine's insert reads rows from, or as
 * the one object when `object` is asked for (an insert of one object from a VALUES list).
 */
function bodyText(api: ApiRequest, object: boolean): string {
  const body = api.body;
  if (!body) return '[]';
  // PATCH reads its columns from the one object; inserts (POST, PUT) read rows from an array.
  if (object || api.method === 'PATCH') return body.isArray ? JSON.stringify(body.rows[0]) : body.raw;
  return body.isArray ? body.raw : `[${body.raw}]`;
}

/** Element `index` of a keyset cursor: base64url of the JSON array of the last row's order values. */
function cursorValue(cursor: string, param: Extract<CompiledParam, { kind: 'cursor' }>): unknown {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = null;
  }
  const value = Array.isArray(values) && values.length === param.count ? values[param.index] : undefined;
  if (value === undefined || value === null || typeof value === 'object') {
    throw rowgateError('RG105', 'The after= cursor is not one this query returned', { hint: 'Pass the Next-Cursor header of the previous page unchanged.' });
  }
  return typeof value === 'string' ? convertValue(value, param.type, param.column) : value;
}

/** Request text -> the JS value of the column's type. */
export function convertValue(text: string, type: ColumnType, column: string): unknown {
  switch (type) {
    case 'integer':
    case 'bigint': {
      if (!INTEGER.test(text)) throw errors.invalidValue(column, type, text);
      const n = Number(text);
      if (Number.isSafeInteger(n)) return n;
      const big = BigInt(text);
      // Beyond 64 bits no engine's integer holds it; say so rather than let a driver throw.
      if (big > INT64_MAX || big < INT64_MIN) throw rowgateError('22003', `value "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is out of range for type bigint`, { details: `Column '${column}'.` });
      return big;
    }
    case 'number':
    case 'numeric': {
      const t = text.trim();
      if (!NUMBER.test(t)) throw errors.invalidValue(column, type, text);
      return Number(t);
    }
    case 'boolean': {
      const t = text.toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw errors.invalidValue(column, 'boolean', text);
    }
    default:
      return text;
  }
}
