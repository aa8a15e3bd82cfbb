/**
 * Large reads stream: half a million rows as CSV, NDJSON and JSON from the real binary on every
 * engine, with the server's peak memory (VmHWM) staying near where it started rather than
 * growing with the export.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli-process.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';

const ROWS = 500_000;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Reads the whole body as it arrives, keeping only counts. */
async function drain(url: string, accept: string): Promise<{ status: number; lines: number; bytes: number; chunks: number; tail: string }> {
  const res = await fetch(url, { headers: { accept } });
  let lines = 0;
  let bytes = 0;
  let chunks = 0;
  let tail = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks++;
    bytes += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    tail = (tail + text).slice(-200);
  }
  return { status: res.status, lines, bytes, chunks, tail };
}

for (const engine of selectedEngines()) {
  const reason = process.platform !== 'linux' ? 'peak memory is read from /proc' : await engine.unavailable();
  if (reason) console.warn(`streaming: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: streaming large reads`, () => {
  let database: EngineDatabase;
  let cli: RunningCli;
  let baseline: number;
  beforeAll(async () => {
    database = await engine.create('streaming');
    cli = await startCli(['--db', database.url, '--max-rows', '1000000', '--log-level', 'silent']);
    await fetch(`${cli.url}/readings?limit=10`);
    baseline = peakRssMb(cli.child.pid!);
  }, 180_000);
  afterAll(async () => {
    await cli?.stop();
    await database?.drop();
  });

  it('streams CSV with the count in Content-Range', async () => {
    const res = await fetch(`${cli.url}/readings?order=id`, { headers: { accept: 'text/csv', prefer: 'count=exact' } });
    expect(res.headers.get('content-range')).toBe(`0-${ROWS - 1}/${ROWS}`);
    await res.body?.cancel();
    const csv = await drain(`${cli.url}/readings?order=id`, 'text/csv');
    expect(csv.status).toBe(200);
    expect(csv.lines).toBe(ROWS + 1);
    expect(csv.chunks).toBeGreaterThan(10);
    expect(csv.tail.endsWith(`${ROWS},sensor-${ROWS % 97},${ROWS * 0.5},"a ""quoted"", note"\r\n`)).toBe(true);
  }, 120_000);

  it('streams NDJSON and JSON arrays', async () => {
    const nd = await drain(`${cli.url}/readings?select=id`, 'application/x-ndjson');
    expect(nd.lines).toBe(ROWS);
    const json = await drain(`${cli.url}/readings?select=id&order=id`, 'application/json');
    expect(json.status).toBe(200);
    expect(json.tail.endsWith(`{"id":${ROWS}}]`)).toBe(true);
  }, 120_000);

  it('keeps the server memory flat', () => {
    // Holding the rows would take hundreds of MB; streaming adds only batches in flight.
    const peak = peakRssMb(cli.child.pid!);
    console.log(`${engine.name}: streaming ${ROWS} rows: server peak RSS ${peak.toFixed(0)} MB (baseline ${baseline.toFixed(0)} MB)`);
    expect(peak - baseline).toBeLessThan(120);
  });

  it('keeps answering other requests while a stream runs', async () => {
    const big = drain(`${cli.url}/readings`, 'text/csv');
    const started = Date.now();
    const health = await fetch(`${cli.url}/_/health`);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await big).lines).toBe(ROWS + 1);
  }, 120_000);
});
}
