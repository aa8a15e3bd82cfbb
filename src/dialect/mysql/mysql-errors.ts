/**
 * MySQL and MariaDB errors (server errno, client codes of mysql2) -> neutral kinds, with messages
 * phrased as PostgreSQL phrases them so clients see one wording on every engine. Both servers share
 * most numbers; where they differ (check constraints, regular expressions, statement timeouts)
 * both numbers are listed.
 */
import type { NativeErrorInfo } from '../dialect.js';

/**
 * Thrown by the driver when an upsert's written row cannot be found by its key afterwards: MySQL's
 * ON DUPLICATE KEY UPDATE resolved a conflict on another unique key than the one `on_conflict`
 * names. PostgreSQL reports that conflict as a unique violation, and so do we (the write rolls back).
 */
export class MysqlConflictError extends Error {}

/** Thrown when the rows a write locked and the rows it then changed differ (a concurrent change slipped in). */
export class MysqlWriteRaceError extends Error {}

interface MysqlErrorShape {
  readonly errno?: number;
  readonly code?: string;
  readonly sqlMessage?: string;
  readonly fatal?: boolean;
}

/** Connection-level failures: mysql2's own codes and Node's socket codes. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_HANDSHAKE_TWICE',
]);

/** Server errno meaning the server is going away or refuses connections for now. */
const UNAVAILABLE_ERRNO = new Set([
  1040, // ER_CON_COUNT_ERROR: too many connections
  1053, // ER_SERVER_SHUTDOWN
  1152, // ER_ABORTING_CONNECTION
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2002, // CR_CONNECTION_ERROR
  2003, // CR_CONN_HOST_ERROR
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
  4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
]);

export function translateMysqlError(error: unknown): NativeErrorInfo | null {
  if (error instanceof MysqlConflictError) {
    return { kind: 'unique', message: 'duplicate key value violates unique constraint', details: error.message };
  }
  if (error instanceof MysqlWriteRaceError) return { kind: 'busy', message: 'the rows changed while they were written; try again' };
  if (!(error instanceof Error)) return null;
  const e = error as Error & MysqlErrorShape;
  const errno = typeof e.errno === 'number' ? e.errno : null;
  const text = e.sqlMessage ?? e.message;
  if ((e.code && UNAVAILABLE_CODES.has(e.code)) || (errno !== null && UNAVAILABLE_ERRNO.has(errno))) {
    return { kind: 'unavailable', message: 'the database cannot be reached' };
  }
  if (errno === null || errno < 0) {
    // mysql2 marks errors that broke the connection as fatal; "Pool is closed." has no code at all.
    return e.fatal === true ? { kind: 'unavailable', message: 'the database cannot be reached' } : null;
  }
  return translateServerError(errno, text);
}

function translateServerError(errno: number, text: string): NativeErrorInfo | null {
  switch (errno) {
    case 1062: // ER_DUP_ENTRY: Duplicate entry 'Italo Calvino' for key 'name'
    case 1586: // ER_DUP_ENTRY_WITH_KEY_NAME
    case 1022: // ER_DUP_KEY
    case 1169: {
      // ER_DUP_UNIQUE
      const m = /Duplicate entry '(.*)' for key '(.*)'/s.exec(text);
      return {
        kind: 'unique',
        message: m ? `duplicate key value violates unique constraint "${m[2]}"` : 'duplicate key value violates unique constraint',
        details: m ? `Key (${m[2]})=(${m[1]}) already exists.` : null,
      };
    }
    case 1452: // ER_NO_REFERENCED_ROW_2: Cannot add or update a child row: a foreign key constraint fails (`db`.`books`, CONSTRAINT `x` ...)
    case 1216: {
      // ER_NO_REFERENCED_ROW
      const fk = foreignKeyParts(text);
      return {
        kind: 'foreign-key',
        message: fk ? `insert or update on table "${fk.table}" violates foreign key constraint "${fk.constraint}"` : 'insert or update violates foreign key constraint',
        details: 'A referenced row does not exist.',
      };
    }
    case 1451: // ER_ROW_IS_REFERENCED_2: Cannot delete or update a parent row: a foreign key constraint fails (...)
    case 1217: {
      // ER_ROW_IS_REFERENCED
      const fk = foreignKeyParts(text);
      return {
        kind: 'foreign-key',
        message: fk ? `update or delete violates foreign key constraint "${fk.constraint}" on table "${fk.table}"` : 'update or delete violates foreign key constraint',
        details: 'The row is still referenced.',
      };
    }
    case 1048: // ER_BAD_NULL_ERROR: Column 'name' cannot be null
    case 1364: // ER_NO_DEFAULT_FOR_FIELD: Field 'author_id' doesn't have a default value
    case 1423: {
      // ER_NO_DEFAULT_FOR_VIEW_FIELD: Field of view 'db.v' underlying table doesn't have a default value
      const column = /(?:Column|Field) '([^']*)'/.exec(text)?.[1];
      return {
        kind: 'not-null',
        message: column ? `null value in column "${column}" violates not-null constraint` : 'null value violates not-null constraint',
        details: column ? `Failing column: ${column}.` : null,
      };
    }
    case 3819: // ER_CHECK_CONSTRAINT_VIOLATED (MySQL): Check constraint 'books_chk_1' is violated.
    case 4025: {
      // ER_CONSTRAINT_FAILED (MariaDB): CONSTRAINT `books.price` failed for `db`.`books`
      const name = /[Cc]heck constraint '([^']*)'/.exec(text)?.[1] ?? /CONSTRAINT `([^`]*)` failed/.exec(text)?.[1];
      return {
        kind: 'check',
        message: name ? `new row violates check constraint "${name}"` : 'new row violates check constraint',
        details: name ? `Failing check: ${name}.` : null,
      };
    }
    case 1406: {
      // ER_DATA_TOO_LONG: Data too long for column 'isbn' at row 1
      const column = /column '([^']*)'/.exec(text)?.[1];
      return { kind: 'too-long', message: column ? `value too long for column "${column}"` : 'value too long for its column' };
    }
    case 1264: // ER_WARN_DATA_OUT_OF_RANGE: Out of range value for column 'pages' at row 1
    case 1690: {
      // ER_DATA_OUT_OF_RANGE: BIGINT value is out of range in ...
      const column = /column '([^']*)'/.exec(text)?.[1];
      return { kind: 'out-of-range', message: column ? `value out of range for column "${column}"` : 'value out of range for its type' };
    }
    case 1292: // ER_TRUNCATED_WRONG_VALUE: Incorrect date value: 'x' for column `db`.`t`.`d` at row 1
    case 1366: // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: Incorrect integer value: 'abc' for column ...
    case 1265: // WARN_DATA_TRUNCATED (strict mode): Data truncated for column 'genre' at row 1
    case 1367: // ER_ILLEGAL_VALUE_FOR_TYPE
    case 1411: // ER_WRONG_VALUE_FOR_TYPE
    case 3140: // ER_INVALID_JSON_TEXT (MySQL)
    case 3156: {
      // ER_INVALID_JSON_VALUE_FOR_CAST (MySQL)
      const m = /Incorrect (\w+) value: '(.*)' for column/s.exec(text);
      return { kind: 'invalid-text', message: m ? `invalid input syntax for type ${m[1]}: "${m[2]}"` : 'invalid input value for its column' };
    }
    case 1139: // ER_REGEXP_ERROR (MariaDB's PCRE): Regex error 'missing closing parenthesis at offset 1'
      return { kind: 'invalid-regex', message: `invalid regular expression: ${/Regex error '(.*)'/s.exec(text)?.[1] ?? text}` };
    case 1205: // ER_LOCK_WAIT_TIMEOUT
    case 1213: // ER_LOCK_DEADLOCK
    case 3572: // ER_LOCK_NOWAIT
      return { kind: 'busy', message: 'the database is busy; try again' };
    case 1969: // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    case 3024: // ER_QUERY_TIMEOUT (MySQL max_execution_time)
    case 1317: // ER_QUERY_INTERRUPTED
      return { kind: 'timeout', message: 'canceling statement due to statement timeout' };
    case 1290: // ER_OPTION_PREVENTS_STATEMENT (--read-only)
    case 1792: // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    case 1836: // ER_READ_ONLY_MODE
      return { kind: 'read-only', message: 'cannot execute a write on a read-only database' };
    case 1142: // ER_TABLEACCESS_DENIED_ERROR: SELECT command denied to user 'u'@'h' for table `db`.`t`
    case 1143: // ER_COLUMNACCESS_DENIED_ERROR
    case 1044: // ER_DBACCESS_DENIED_ERROR
    case 1227: // ER_SPECIFIC_ACCESS_DENIED_ERROR
    case 1370: {
      // ER_PROCACCESS_DENIED_ERROR
      const table = /for table [`']?(?:[^`'.]*[`']?\.[`']?)?([^`']+)[`']?/.exec(text)?.[1];
      return { kind: 'permission', message: table ? `permission denied for table ${table}` : 'permission denied' };
    }
    case 1644: // ER_SIGNAL_EXCEPTION: SIGNAL SQLSTATE '45000' in a trigger or procedure, the database refusing the write
      return { kind: 'raised', message: text };
    case 1288: // ER_NON_UPDATABLE_TABLE
    case 1471: // ER_NON_INSERTABLE_TABLE
    case 1395: // ER_VIEW_DELETE_MERGE_VIEW
    case 1393: // ER_VIEW_MULTIUPDATE
    case 1394: // ER_VIEW_NO_INSERT_FIELD_LIST
      return { kind: 'read-only', message: 'the view does not allow this write' };
    default:
      // MySQL 8's ICU regular expressions report each kind of syntax error under its own number.
      if (errno >= 3685 && errno <= 3700) return { kind: 'invalid-regex', message: `invalid regular expression: ${text}` };
      return null;
  }
}

/** `(`db`.`books`, CONSTRAINT `books_ibfk_1` FOREIGN KEY ...)` -> table and constraint name. */
function foreignKeyParts(text: string): { table: string; constraint: string } | null {
  const m = /\(`[^`]*`\.`([^`]*)`, CONSTRAINT `([^`]*)`/.exec(text);
  return m ? { table: m[1], constraint: m[2] } : null;
}
