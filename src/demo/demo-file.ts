/**
 * The file handling every SQLite demo builder shares: a demo is only ever written to a new file,
 * never over or into an existing database, and a failed build leaves nothing behind. The builders
 * (shop-sqlite.ts, weather-sqlite.ts) own their DDL and rows; this module owns the path.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Creates missing parent folders and claims `path` as a new, empty file; throws if anything is
 * already there (the database, or a journal or WAL a previous writer left). `demo` names the demo in
 * messages: 'demo shop' gives "Refusing to create the demo shop: …".
 */
export function claimNewDemoFile(path: string, demo: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) {
    throw new Error(`The ${demo} needs a file path to create, not ${JSON.stringify(path)}.`);
  }
  mkdirSync(dirname(path), { recursive: true });
  for (const existing of [path, `${path}-wal`, `${path}-journal`]) {
    if (existsSync(existing)) throw demoRefusal(existing, demo);
  }
  // 'wx' claims the name atomically, so a file appearing since the check above is refused as well.
  try {
    closeSync(openSync(path, 'wx'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw demoRefusal(path, demo);
    throw err;
  }
}

export function demoRefusal(existing: string, demo: string): Error {
  return new Error(
    `Refusing to create the ${demo}: ${existing} already exists. The demo is only ever written to a new ` +
      `file, never over or into an existing database; remove it or choose another path.`,
  );
}

/** Removes what a build created at `path`; only for a path claimNewDemoFile claimed in this call. */
export function removeDemoFiles(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
}

/**
 * Claims `path`, opens it in WAL mode with foreign keys enforced, runs `build`, and closes it. If
 * anything throws, the files are removed again, since everything there was created by this call.
 */
export function buildDemoDatabase<T>(path: string, demo: string, build: (db: Database.Database) => T): T {
  claimNewDemoFile(path, demo);
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // Per connection, and outside any transaction since SQLite ignores it inside one: checks every row.
    db.pragma('foreign_keys = ON');
    const result = build(db);
    db.close();
    return result;
  } catch (err) {
    db?.close();
    removeDemoFiles(path);
    throw err;
  }
}
