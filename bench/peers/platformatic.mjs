#!/usr/bin/env node
/**
 * Platformatic DB as a peer of `npm run bench` (issue 7), started the way its docs' programmatic API
 * does it (`create()` then `start({ listen: true })`): one process serving one database, like rowgate
 * and the floor, rather than under the Watt runtime with its worker threads.
 *
 *   node bench/peers/platformatic.mjs --db sqlite://FILE|postgres://… --port N
 *
 * Runs on Node 22 (bench/run.mjs picks the binary). The configuration is the plain one a new
 * project gets, minus what rowgate is also run without: no auth, no migrations, no GraphQL, logging
 * off; OpenAPI on. The tables of the demo that are not the shop's own (its marker table, SQLite's
 * full-text and statistics tables) are ignored, as they would be exposed otherwise.
 */
import { parseArgs } from 'node:util';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@platformatic/db';

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' } } });
if (!values.db || !values.port) throw new Error('usage: platformatic.mjs --db URL --port N');

const IGNORED = ['_rowgate_demo', 'products_fts', 'products_fts_data', 'products_fts_idx', 'products_fts_docsize', 'products_fts_config', 'sqlite_stat1', 'sqlite_stat4'];

const config = {
  server: { hostname: '127.0.0.1', port: Number(values.port), logger: { level: 'silent' } },
  db: {
    connectionString: values.db,
    graphql: false,
    openapi: true,
    // Only the names this database has: Platformatic warns about the others.
    ignore: Object.fromEntries(IGNORED.map((t) => [t, true])),
  },
};

// The root is only where Platformatic would look for plugins and migrations; there are none.
const app = await create(dirname(fileURLToPath(import.meta.url)), config);
await app.start({ listen: true });

const stop = () => app.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
