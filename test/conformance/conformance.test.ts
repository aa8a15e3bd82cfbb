/**
 * The conformance cases on every selected engine: reads share one server per engine; each write
 * case gets a fresh database so cases never see each other's changes. An engine that cannot run
 * here is skipped with its reason.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCase } from './case-runner.js';
import { readCases } from './read-cases.js';
import { writeCases } from './write-cases.js';
import { embedCases } from './embed-cases.js';
import { existsSync } from 'node:fs';

for (const engine of selectedEngines()) {
  const reason = await engine.unavailable();
  if (reason) console.warn(`conformance: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: reading`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => server?.close());
    for (const c of readCases) runCase(c, () => server, engine.name);
  });

  const noEmbedFixture = !existsSync(new URL(`../fixtures/${engine.name}-embedding.sql`, import.meta.url));
  if (!reason && noEmbedFixture) console.warn(`conformance: skipping ${engine.name} embedding: no test/fixtures/${engine.name}-embedding.sql yet`);
  describe.skipIf(reason !== null || noEmbedFixture)(`${engine.name}: embedding and aggregates`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(engine, { fixture: 'embedding' });
    });
    afterAll(async () => server?.close());
    for (const c of embedCases) runCase(c, () => server, engine.name);
  });

  describe.skipIf(reason !== null)(`${engine.name}: writing`, () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startTestServer(engine);
    });
    afterEach(async () => server?.close());
    for (const c of writeCases) runCase(c, () => server, engine.name);
  });
}
