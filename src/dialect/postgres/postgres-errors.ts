/**
 * PostgreSQL errors -> neutral kinds: SQLSTATE codes from the server, and the connection failures
 * node-postgres and the socket report (refused, reset, terminated, pool timeouts) as "unavailable".
 * PostgreSQL's own message and detail are kept where they describe the client's data (they name
 * the constraint and the key, as PostgREST shows them); connection errors get a generic message
 * because theirs name hosts and ports.
 */
import type { DatabaseErrorKind } from '../../execute/database-errors.js';
import type { NativeErrorInfo } from '../dialect.js';

/** Thrown by the driver when a transaction outlives every timeout and its connection is dropped. */
export class ConnectionLostError extends Error {}

/** Thrown by the driver when the caller's role cannot be set (row-level security mode): no such role. */
export class SessionRoleError extends Error {}

/** SQLSTATE -> kind, exact codes first; classes are in CLASS_KINDS. */
const CODE_KINDS: Readonly<Record<string, DatabaseErrorKind>> = {
  '23505': 'unique',
  '23P01': 'unique', // exclusion violation: the row conflicts with an existing one, like a duplicate
  '21000': 'unique', // ON CONFLICT DO UPDATE given the same key twice in one body
  '23503': 'foreign-key',
  '23001': 'foreign-key', // restrict violation
  '23502': 'not-null',
  '23514': 'check',
  '22001': 'too-long',
  '22003': 'out-of-range',
  '2201B': 'invalid-regex',
  '22025': 'invalid-regex', // a LIKE pattern with a dangling escape
  '428C9': 'invalid-text', // a value for a GENERATED ALWAYS column
  '42704': 'invalid-text', // `fts(klingon)`: no such text search configuration
  '57014': 'timeout',
  '57P01': 'unavailable', // admin shutdown
  '57P02': 'unavailable', // crash shutdown
  '57P03': 'unavailable', // cannot connect now (starting up, recovery)
  '53300': 'unavailable', // too many connections
  '3D000': 'unavailable', // the database does not exist (dropped under us, or a typo in the URL)
  '40001': 'busy',
  '40P01': 'busy',
  '55P03': 'busy', // lock not available
  '25006': 'read-only',
  '42501': 'permission',
  '42883': 'undefined-operation', // `name.sum()`: no sum(text)
  '42846': 'undefined-operation', // `created_at::int`: no cast from timestamptz to integer
  P0001: 'raised', // RAISE EXCEPTION in a function: the function refusing the call
};

/** SQLSTATE class (first two characters) -> kind, for codes not listed above. */
const CLASS_KINDS: Readonly<Record<string, DatabaseErrorKind>> = {
  '08': 'unavailable', // connection exception
  '28': 'unavailable', // authentication failed: the server's configuration, not the request
  '22': 'invalid-text', // data exception: a value PostgreSQL cannot take (bad date, bad JSON, NUL byte)
};

/** Socket and driver errors that mean the server cannot be reached or the connection is gone. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const CONNECTION_MESSAGES = [
  'Connection terminated', // also "… unexpectedly" and "… due to connection timeout"
  'timeout expired', // connect timeout (pg.Client)
  'timeout exceeded when trying to connect', // pg.Pool: no client within connectionTimeoutMillis
  'Client has encountered a connection error',
  'Client was closed',
  'Query read timeout',
  'Cannot use a pool after calling end',
];

interface PgErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly detail?: unknown;
  readonly severity?: unknown;
}

export function translatePostgresError(error: unknown): NativeErrorInfo | null {
  if (error instanceof ConnectionLostError) return unavailable();
  if (error instanceof SessionRoleError) return { kind: 'permission', message: error.message };
  if (!(error instanceof Error)) return null;
  const e = error as Error & PgErrorFields;
  const code = typeof e.code === 'string' ? e.code : null;
  // Errors from the server carry a severity and a five-character SQLSTATE.
  if (code && /^[0-9A-Z]{5}$/.test(code) && typeof e.severity === 'string') {
    const kind = CODE_KINDS[code] ?? CLASS_KINDS[code.slice(0, 2)];
    if (!kind) return null;
    if (kind === 'unavailable') return unavailable();
    if (kind === 'busy') return { kind, message: 'the database is busy; try again', details: e.message };
    // "Failing row contains (…)" lists every value of the row, also of columns the caller may not read.
    const detail = typeof e.detail === 'string' && !e.detail.startsWith('Failing row contains') ? e.detail : null;
    return { kind, message: e.message, details: detail };
  }
  if ((code && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.some((m) => e.message.startsWith(m))) return unavailable();
  // net.connect to a name with several addresses fails with an AggregateError of their errors.
  if (error instanceof AggregateError && error.errors.some((inner) => translatePostgresError(inner)?.kind === 'unavailable')) {
    return unavailable();
  }
  return null;
}

function unavailable(): NativeErrorInfo {
  return { kind: 'unavailable', message: 'the database cannot be reached; try again shortly' };
}
