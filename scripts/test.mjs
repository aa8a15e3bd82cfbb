#!/usr/bin/env node
// The test command (`npm test`): runs vitest, then prints the one closing line CI reads,
// "N passed, N failed, N skipped", from vitest's JSON report, and says which engines were skipped.
import { spawnSync } from 'node:child_process';
import { runVitest } from './vitest-counts.mjs';

// Tests that start the real binary run dist/, so build it from the current sources first.
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

// Which engines this machine can test: SQLite always; PostgreSQL and MySQL/MariaDB when they answer.
const engines = await engineReport();
console.log(`test: engines ${engines.map((e) => `${e.name} ${e.reason ? `SKIPPED (${e.reason})` : 'ok'}`).join(', ')}`);

const { status, passed, failed, skipped } = runVitest('test', process.argv.slice(2));
const skippedEngines = engines.filter((e) => e.reason).map((e) => e.name);
if (skippedEngines.length > 0) console.log(`test: engines skipped on this machine: ${skippedEngines.join(', ')} (their suites did not run)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status === 0 && failed === 0 ? 0 : 1);

async function engineReport() {
  const wanted = process.env.DIALECTS?.split(',').map((s) => s.trim());
  const pick = (name) => !wanted || wanted.includes(name);
  const report = [{ name: 'sqlite', reason: null }];
  if (pick('postgres')) report.push({ name: 'postgres', reason: await answers(async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: process.env.ROWGATE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    await client.connect();
    await client.end();
  }) });
  if (pick('mysql')) report.push({ name: 'mysql', reason: await answers(async () => {
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({
      host: process.env.MYSQL_TEST_HOST ?? '127.0.0.1',
      port: Number(process.env.MYSQL_TEST_PORT ?? 3306),
      user: process.env.MYSQL_TEST_USER ?? 'root',
      password: process.env.MYSQL_TEST_PASSWORD ?? '',
      connectTimeout: 2000,
    });
    await conn.end();
  }) });
  return report;
}

async function answers(connect) {
  try {
    await connect();
    return null;
  } catch (e) {
    return `no server: ${e.message ?? e}`.slice(0, 120);
  }
}
