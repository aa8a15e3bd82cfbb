/**
 * Issue 8, item 8: database outages in cycles, on the engines with a connection (PostgreSQL,
 * MySQL/MariaDB; SQLite has none). The real binary reaches its database through a fault proxy on
 * loopback (the machine's servers are never stopped) and serves a steady light load of reads;
 * the proxy cuts every connection and refuses new ones for a while, several times. Checked:
 *
 * - a request that starts and ends inside a cut is a 503 with `Retry-After` in the documented
 *   JSON shape (or a 504 within the request timeout); no answer anywhere is any other error;
 * - no request takes longer than the request timeout (plus a little for this busy machine);
 * - the process never exits;
 * - after each cut, within 10 s, service is back: of the requests started in the window after
 *   the cut ends, at least 99% succeed.
 *
 * Fast: 3 cuts of 2 s with a 2.5 s window after each; `RELIABILITY_SOAK=1`: 10 cuts of 5 s with
 * the full 10 s window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli-process.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import '../helpers/all-engines.js';
import { errorShapeProblem } from './shop-under-test.js';
import { call, sleep, SOAK, workDir, type Answer } from './cli-load.js';

const CUTS = SOAK ? 10 : 3;
const CUT_MS = SOAK ? 5000 : 2000;
/** How long after each cut the success rate is measured; the issue's bound is 10 s. */
const AFTER_MS = SOAK ? 10_000 : 2500;
const REQUEST_TIMEOUT_MS = 3000;
/** What this 2-core machine, shared with other suites, may add to the request timeout. */
const SLACK_MS = 1000;
const CLIENTS = 4;
/** Each client pauses this long between requests: a light, steady load (tens per second). */
const PAUSE_MS = 40;

const READS = [
  (i: number) => `/products?id=eq.${1 + (i % 1000)}`,
  (i: number) => `/categories?select=id,name&order=id`,
  (i: number) => `/orders?customer_id=eq.${1 + (i % 200)}&order=id.desc&limit=5`,
  (i: number) => `/products?select=id,name,categories(name)&category_id=eq.${1 + (i % 12)}&limit=20`,
];

interface Sample extends Answer {
  readonly path: string;
}

const serverEngines = selectedEngines().filter((e) => e.name !== 'sqlite');
// SQLite has no connection to cut; with only SQLite selected the file still reports why it ran nothing.
describe.skipIf(serverEngines.length > 0)('outage cycles', () => {
  it.skip('need PostgreSQL or MySQL (DIALECTS names neither)', () => {});
});

for (const engine of serverEngines) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
  if (reason) console.warn(`outage cycles: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: the database cut ${CUTS} times under load`, () => {
    let database: EngineDatabase;
    let proxy: FaultProxy;
    let dir: ReturnType<typeof workDir>;
    let server: RunningCli;

    beforeAll(async () => {
      database = await engine.createShop!();
      const target = new URL(database.url);
      proxy = await startFaultProxy(target.hostname, Number(target.port || (engine.name === 'postgres' ? 5432 : 3306)));
      const through = new URL(database.url);
      through.port = String(proxy.port);
      // The command line has no flag for the timeouts: a config file in an empty folder sets them.
      dir = workDir({ server: { requestTimeoutMs: REQUEST_TIMEOUT_MS, statementTimeoutMs: 2000, poolSize: 3, logLevel: 'silent' } });
      server = await startCli(['--db', through.toString(), '--host', '127.0.0.1'], { cwd: dir.path });
    }, 60_000);

    afterAll(async () => {
      if (server && server.child.exitCode === null) await server.stop();
      await proxy?.close();
      await database?.drop();
      dir?.remove();
    });

    it(`answers 503 + Retry-After during each ${CUT_MS} ms cut, never hangs or exits, and recovers`, async () => {
      const base = server.url;
      const warm = await call(`${base}${READS[0](0)}`);
      expect(warm.status, warm.body).toBe(200);

      const samples: Sample[] = [];
      let stop = false;
      let n = 0;
      const client = async () => {
        while (!stop) {
          const path = READS[n % READS.length](n);
          n++;
          samples.push({ path, ...(await call(`${base}${path}`, {}, REQUEST_TIMEOUT_MS + 10_000)) });
          await sleep(PAUSE_MS);
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);

      const cuts: { from: number; to: number }[] = [];
      const started = performance.now();
      await sleep(500);
      for (let i = 0; i < CUTS; i++) {
        const from = performance.now();
        proxy.cut();
        await sleep(CUT_MS);
        proxy.restore();
        const to = performance.now();
        cuts.push({ from, to });
        await sleep(AFTER_MS);
        expect(server.child.exitCode, `the process exited during cut ${i + 1}: ${server.output().stderr}`).toBeNull();
      }
      stop = true;
      await Promise.all(clients);
      const total = performance.now() - started;

      const problems: string[] = [];
      const inside = (s: Sample, c: { from: number; to: number }) => s.startedAt >= c.from && s.startedAt + s.ms <= c.to;
      let during = 0;
      let during503 = 0;
      let during504 = 0;
      for (const s of samples) {
        const what = `${s.path} (${Math.round(s.startedAt - started)} ms in)`;
        if (s.status === null || s.error !== null) {
          problems.push(`${what}: ${s.status === null ? 'no answer' : `${s.status} with its body cut short`} (${s.aborted ? 'hung' : s.error}) after ${Math.round(s.ms)} ms`);
          continue;
        }
        if (s.ms > REQUEST_TIMEOUT_MS + SLACK_MS) problems.push(`${what}: ${s.status} after ${Math.round(s.ms)} ms, past the ${REQUEST_TIMEOUT_MS} ms request timeout`);
        if (s.status === 200) {
          if (cuts.some((c) => inside(s, c))) problems.push(`${what}: 200 while the database was cut`);
          continue;
        }
        if (s.status !== 503 && s.status !== 504) {
          problems.push(`${what}: ${s.status} ${s.body.slice(0, 200)}`);
          continue;
        }
        const shape = errorShapeProblem(s.path, s.headers!.get('content-type') ?? undefined, s.body);
        if (shape) problems.push(`${what}: ${s.status} not in the error shape: ${shape}: ${s.body.slice(0, 200)}`);
        if (s.status === 503 && !/^\d+$/.test(s.headers!.get('retry-after') ?? '')) problems.push(`${what}: 503 without a Retry-After`);
        if (cuts.some((c) => inside(s, c))) {
          during++;
          if (s.status === 503) during503++;
          else during504++;
        }
      }
      // A 503/504 outside a cut (and the requests overlapping its edges) is an outage that was not there.
      const touches = (s: Sample, c: { from: number; to: number }) => s.startedAt < c.to && s.startedAt + s.ms > c.from;
      for (const s of samples) {
        if ((s.status === 503 || s.status === 504) && !cuts.some((c) => touches(s, c)) && !afterCut(s)) {
          problems.push(`${s.path} (${Math.round(s.startedAt - started)} ms in): ${s.status} with no cut going on`);
        }
      }
      function afterCut(s: Sample) {
        return cuts.some((c) => s.startedAt >= c.to && s.startedAt < c.to + AFTER_MS);
      }

      const recovery = cuts.map((c, i) => {
        // A request still running when the next cut begins belongs to that cut, not to this recovery.
        const next = cuts[i + 1];
        const window = samples.filter(
          (s) => s.startedAt >= c.to && s.startedAt < c.to + AFTER_MS && s.startedAt + s.ms < c.to + AFTER_MS + REQUEST_TIMEOUT_MS && !(next && touches(s, next)),
        );
        const ok = window.filter((s) => s.status === 200).length;
        const firstOk = window.find((s) => s.status === 200);
        // The failures, for the message: status (or error) and when they started after the cut.
        const failed = window.filter((s) => s.status !== 200).map((s) => `${s.status ?? s.error} at +${Math.round(s.startedAt - c.to)} ms`);
        return { cut: i + 1, n: window.length, ok, failed, rate: window.length === 0 ? 0 : ok / window.length, firstOkMs: firstOk ? Math.round(firstOk.startedAt + firstOk.ms - c.to) : null };
      });
      console.log(
        `outage cycles ${engine.name}: ${CUTS} cuts of ${CUT_MS} ms, ${samples.length} requests in ${Math.round(total)} ms, ` +
          `${during} wholly inside a cut (${during503} 503, ${during504} 504), ` +
          `after each cut (${AFTER_MS} ms): ${recovery.map((r) => `${r.ok}/${r.n} ok, first ok ${r.firstOkMs} ms`).join('; ')}, ` +
          `slowest ${Math.round(Math.max(...samples.map((s) => s.ms)))} ms`,
      );
      expect(problems).toEqual([]);
      expect(during).toBeGreaterThan(CUTS * 5);
      for (const r of recovery) {
        expect(r.n, `cut ${r.cut}: requests after it`).toBeGreaterThan(20);
        expect(r.rate, `cut ${r.cut}: ${r.ok}/${r.n} succeeded in the ${AFTER_MS} ms after it; failed: ${r.failed.join(', ')}`).toBeGreaterThanOrEqual(0.99);
      }
      expect(server.child.exitCode).toBeNull();
      expect((await call(`${base}/_/ready`)).status).toBe(200);
    }, SOAK ? 600_000 : 90_000);
  });
}
