/**
 * MySQL/MariaDB errors -> neutral kinds and PostgreSQL's wording, by errno as each server reports it.
 */
import { describe, expect, it } from 'vitest';
import { MysqlConflictError, translateMysqlError } from './mysql-errors.js';

const serverError = (errno: number, sqlMessage: string) => Object.assign(new Error(sqlMessage), { errno, sqlMessage, code: 'ER_X', sqlState: 'HY000' });
const clientError = (code: string, fatal = true) => Object.assign(new Error(code), { code, fatal, errno: -111 });

describe('translateMysqlError', () => {
  it.each([
    [1062, "Duplicate entry 'Italo Calvino' for key 'name'", 'unique', 'duplicate key value violates unique constraint "name"'],
    [1452, 'Cannot add or update a child row: a foreign key constraint fails (`db`.`books`, CONSTRAINT `books_author_id_fkey` FOREIGN KEY (`author_id`) REFERENCES `authors` (`id`))', 'foreign-key', 'insert or update on table "books" violates foreign key constraint "books_author_id_fkey"'],
    [1451, 'Cannot delete or update a parent row: a foreign key constraint fails (`db`.`books`, CONSTRAINT `books_author_id_fkey` FOREIGN KEY (`author_id`) REFERENCES `authors` (`id`))', 'foreign-key', 'update or delete violates foreign key constraint "books_author_id_fkey" on table "books"'],
    [1048, "Column 'name' cannot be null", 'not-null', 'null value in column "name" violates not-null constraint'],
    [1364, "Field 'author_id' doesn't have a default value", 'not-null', 'null value in column "author_id" violates not-null constraint'],
    [4025, 'CONSTRAINT `books.price` failed for `db`.`books`', 'check', 'new row violates check constraint "books.price"'],
    [3819, "Check constraint 'books_chk_1' is violated.", 'check', 'new row violates check constraint "books_chk_1"'],
    [1406, "Data too long for column 'isbn' at row 1", 'too-long', 'value too long for column "isbn"'],
    [1264, "Out of range value for column 'pages' at row 1", 'out-of-range', 'value out of range for column "pages"'],
    [1366, "Incorrect integer value: 'abc' for column `db`.`t`.`id` at row 1", 'invalid-text', 'invalid input syntax for type integer: "abc"'],
    [1292, "Incorrect date value: '2024-02-30' for column `db`.`t`.`d` at row 1", 'invalid-text', 'invalid input syntax for type date: "2024-02-30"'],
    [1139, "Regex error 'missing closing parenthesis at offset 1'", 'invalid-regex', 'invalid regular expression: missing closing parenthesis at offset 1'],
    [3691, 'Mismatched parenthesis in regular expression.', 'invalid-regex', 'invalid regular expression: Mismatched parenthesis in regular expression.'],
    [1205, 'Lock wait timeout exceeded; try restarting transaction', 'busy', 'the database is busy; try again'],
    [1213, 'Deadlock found when trying to get lock; try restarting transaction', 'busy', 'the database is busy; try again'],
    [1969, 'Query execution was interrupted (max_statement_time exceeded)', 'timeout', 'canceling statement due to statement timeout'],
    [3024, 'Query execution was interrupted, maximum statement execution time exceeded', 'timeout', 'canceling statement due to statement timeout'],
    [1290, 'The MariaDB server is running with the --read-only option', 'read-only', 'cannot execute a write on a read-only database'],
    [2013, 'Lost connection to server during query', 'unavailable', 'the database cannot be reached'],
    [1142, "SELECT command denied to user 'web'@'localhost' for table `db`.`secrets`", 'permission', 'permission denied for table secrets'],
    [1644, 'Stock cannot go below zero', 'raised', 'Stock cannot go below zero'],
  ])('errno %i -> %s', (errno, text, kind, message) => {
    expect(translateMysqlError(serverError(errno, text))).toMatchObject({ kind, message });
  });

  it('tells the duplicated key and value, as PostgreSQL does', () => {
    expect(translateMysqlError(serverError(1062, "Duplicate entry 'x' for key 'name'"))?.details).toBe('Key (name)=(x) already exists.');
  });

  it.each(['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ETIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT'])('client code %s -> unavailable', (code) => {
    expect(translateMysqlError(clientError(code))?.kind).toBe('unavailable');
  });

  it('reports an upsert that met another unique key as a unique violation', () => {
    expect(translateMysqlError(new MysqlConflictError('x'))?.kind).toBe('unique');
  });

  it('leaves errors that are not the database’s alone', () => {
    expect(translateMysqlError(new Error('boom'))).toBeNull();
    expect(translateMysqlError('text')).toBeNull();
    expect(translateMysqlError(serverError(1146, "Table 'db.t' doesn't exist"))).toBeNull();
  });
});
