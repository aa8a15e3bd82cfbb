/**
 * The conformance cases on SQLite: reads share one server; each write case gets a fresh copy of
 * the fixture so cases never see each other's changes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCase } from './case-runner.js';
import { readCases } from './read-cases.js';
import { writeCases } from './write-cases.js';

describe('sqlite: reading', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());
  for (const c of readCases) runCase(c, () => server);
});

describe('sqlite: writing', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => server.close());
  for (const c of writeCases) runCase(c, () => server);
});
