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

for (const engine of selectedEngines()) {
  const reason = await engine.unavailable();
  if (reason) console.warn(`conformance: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: reading`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => server?.close());
    for (const c of readCases) runCase(c, () => server);
  });

  describe.skipIf(reason !== null)(`${engine.name}: writing`, () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startTestServer(engine);
    });
    afterEach(async () => server?.close());
    for (const c of writeCases) runCase(c, () => server);
  });
}
