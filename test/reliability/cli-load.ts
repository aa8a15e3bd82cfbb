/**
 * Shared pieces of the reliability suites that drive the real `rowgate` binary over HTTP
 * (crash consistency, outage cycles, shutdown): the soak switch, a seeded random source, an empty
 * working directory (so no stray `rowgate.config.*` is picked up), and one HTTP call that never
 * throws and records its status, body and duration.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningCli } from '../helpers/cli-process.js';
import type { EngineDatabase } from '../helpers/engines.js';

/** `RELIABILITY_SOAK=1` runs the full counts; otherwise the fast versions for `npm test`. */
export const SOAK = process.env.RELIABILITY_SOAK === '1';

/** The seed of a run: fixed unless RELIABILITY_SEED names one (or `random`); printed with the counts. */
export function runSeed(): number {
  const given = process.env.RELIABILITY_SEED;
  if (given === 'random') return Math.floor(Math.random() * 2 ** 31);
  return given !== undefined && given !== '' && Number.isInteger(Number(given)) ? Number(given) : 8;
}

/** mulberry32: small, fast, repeatable; good enough to pick operations and moments. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An empty folder to run the binary in, optionally holding a `rowgate.config.json`. */
export function workDir(config?: unknown): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'rowgate-cli-'));
  if (config !== undefined) writeFileSync(join(path, 'rowgate.config.json'), JSON.stringify(config));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Answer {
  /** The HTTP status, or null when no answer came (connection refused or reset, or our own abort). */
  readonly status: number | null;
  readonly headers: Headers | null;
  readonly body: string;
  /** Why there was no answer, or no whole body (with `status` set: the body was cut short). */
  readonly error: string | null;
  /** Whether the client gave up (the `abortAfterMs` passed): a hang. */
  readonly aborted: boolean;
  readonly startedAt: number;
  readonly ms: number;
}

/** One request; never throws. `abortAfterMs` bounds a hang so the test can report it. */
export async function call(url: string, init: RequestInit & { json?: unknown } = {}, abortAfterMs = 15_000): Promise<Answer> {
  const startedAt = performance.now();
  const { json, ...rest } = init;
  const signal = AbortSignal.timeout(abortAfterMs);
  const request: RequestInit = json === undefined ? { ...rest, signal } : {
    ...rest,
    method: rest.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string> | undefined) },
    body: JSON.stringify(json),
    signal,
  };
  let res: Response | null = null;
  try {
    res = await fetch(url, request);
    const body = await res.text();
    return { status: res.status, headers: res.headers, body, error: null, aborted: false, startedAt, ms: performance.now() - startedAt };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const aborted = err.name === 'TimeoutError' || err.name === 'AbortError';
    // With `res` set, the status line and headers came but the body was cut short.
    return {
      status: res?.status ?? null, headers: res?.headers ?? null, body: '', aborted, startedAt, ms: performance.now() - startedAt,
      error: err.cause?.code ?? err.cause?.message ?? err.message,
    };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Money compared in cents, whatever type the engine returned it as. */
export const cents = (v: unknown) => Math.round(Number(v) * 100);

/**
 * Sets `products` (by id) to `stock` and returns every product's stock before the run and the
 * first order id the run can make, for the stock + sold == start check.
 */
export async function stockBaseline(database: EngineDatabase, products: readonly number[], stock: number): Promise<{ startStock: Map<number, number>; firstOrder: number }> {
  await database.query(`update products set stock = ${stock} where id in (${products.join(', ')})`);
  const startStock = new Map<number, number>();
  for (const row of await database.query('select id, stock from products')) startStock.set(Number(row.id), Number(row.stock));
  const [max] = await database.query('select max(id) as id from orders');
  return { startStock, firstOrder: Number(max.id) + 1 };
}

/** Kills a CLI server still running (a test that failed half-way) and waits for it to go. */
export async function killIfRunning(server: RunningCli | null): Promise<void> {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}
