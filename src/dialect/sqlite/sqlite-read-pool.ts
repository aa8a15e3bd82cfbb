/**
 * A small pool of read worker processes (`sqlite-read-worker.ts`) for the reads that may run long,
 * so the event loop never waits for them. Each worker runs one read at a time on its own read-only
 * connection (WAL: its own consistent snapshot, beside the writer). A read that passes the
 * statement timeout is cancelled by killing its worker (SIGKILL stops SQLite mid-step; the OS
 * releases its shared lock), answered as a timeout, and a replacement is started. Reads wait in a
 * bounded queue while every worker is busy; past the bound they are refused as busy (503).
 *
 * Workers start on the first read that needs one, so a server whose reads are all short never
 * pays for them. An idle worker does not keep the process alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BoundQuery, ReadResult } from '../dialect.js';
import { InvalidRegexError } from './sqlite-errors.js';

export type WorkerRequest =
  | { readonly type: 'open'; readonly path: string }
  | { readonly type: 'read'; readonly id: number; readonly main: BoundQuery; readonly count: BoundQuery | null };

export interface WorkerErrorData {
  readonly name: string;
  readonly code: string | null;
  readonly message: string;
}

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: WorkerErrorData }
  | { readonly type: 'rows'; readonly id: number; readonly rows: string[]; readonly total: number | null; readonly lastCursor: string | null }
  | { readonly type: 'error'; readonly id: number; readonly error: WorkerErrorData };

/** Thrown for a read cancelled at the statement timeout (translated to 504 `57014`). */
export class StatementTimeoutError extends Error {
  readonly code = 'SQLITE_INTERRUPT';
}

/** Every worker busy and the queue full (translated to 503 `40001`, Retry-After). */
export class ReadQueueFullError extends Error {
  readonly code = 'SQLITE_BUSY';
}

/** The workers cannot be started (the driver then reads on the main thread). */
export class ReadPoolUnavailableError extends Error {}

/** An error a worker reported, rebuilt with its name and SQLite code for `sqlite-errors.ts`. */
class WorkerError extends Error {
  constructor(data: WorkerErrorData) {
    super(data.message);
    this.name = data.name;
    if (data.code !== null) (this as { code?: string }).code = data.code;
  }
}

function rebuild(data: WorkerErrorData): Error {
  return data.name === 'InvalidRegexError' ? new InvalidRegexError(data.message) : new WorkerError(data);
}

export interface ReadPoolOptions {
  readonly path: string;
  readonly size: number;
  readonly queueLimit: number;
  readonly statementTimeoutMs: number;
}

interface Job {
  readonly main: BoundQuery;
  readonly count: BoundQuery | null;
  readonly resolve: (result: ReadResult) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly child: ChildProcess;
  ready: boolean;
  job: { readonly id: number; readonly job: Job; readonly timer: NodeJS.Timeout } | null;
  /** Set when the pool killed it (timeout, close): its exit is expected. */
  killed: boolean;
}

/** Workers that fail to start this many times in a row make the pool give up. */
const START_FAILURES_LIMIT = 3;

export class SqliteReadPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private startFailures = 0;
  private closed = false;
  private broken: Error | null = null;

  constructor(private readonly options: ReadPoolOptions) {}

  /** The pool gave up starting workers (the error says why), or null. */
  get unavailable(): Error | null {
    return this.broken;
  }

  /** Workers running now (started or starting), for tests. */
  get workers(): number {
    return this.slots.length;
  }

  run(main: BoundQuery, count: BoundQuery | null): Promise<ReadResult> {
    if (this.closed) return Promise.reject(new ReadPoolUnavailableError('the read workers are closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<ReadResult>((resolve, reject) => {
      const job: Job = { main, count, resolve, reject };
      const idle = this.slots.find((s) => s.ready && !s.job);
      if (idle) return this.dispatch(idle, job);
      if (this.queue.length >= this.options.queueLimit) {
        reject(new ReadQueueFullError(`all ${this.options.size} read workers are busy and ${this.queue.length} reads wait`));
        return;
      }
      this.queue.push(job);
      if (this.slots.length < this.options.size) this.start();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ReadPoolUnavailableError('the server is closing'));
    await Promise.all(this.slots.splice(0).map((slot) => this.kill(slot, new ReadPoolUnavailableError('the server is closing'))));
  }

  private start(): void {
    const child = spawnWorker();
    const slot: Slot = { child, ready: false, job: null, killed: false };
    this.slots.push(slot);
    child.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    child.on('error', (e) => this.onExit(slot, e));
    child.on('exit', (code, signal) => this.onExit(slot, new Error(`the read worker exited (${signal ?? `code ${code}`})`)));
    // Starting, it keeps the process alive (reads may wait for it); once ready and idle, it does not.
    child.send({ type: 'open', path: this.options.path } satisfies WorkerRequest);
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (slot.killed) return;
    switch (reply.type) {
      case 'ready':
        slot.ready = true;
        this.startFailures = 0;
        this.pump();
        if (!slot.job) idle(slot);
        return;
      case 'failed':
        this.giveUp(rebuild(reply.error));
        return;
      case 'rows':
      case 'error': {
        const running = slot.job;
        if (!running || running.id !== reply.id) return;
        clearTimeout(running.timer);
        slot.job = null;
        idle(slot);
        if (reply.type === 'rows') running.job.resolve({ rows: reply.rows, total: reply.total, lastCursor: reply.lastCursor });
        else running.job.reject(rebuild(reply.error));
        this.pump();
        return;
      }
    }
  }

  /** A worker ended without being asked to: fail its read, replace it (unless it never started). */
  private onExit(slot: Slot, error: Error): void {
    if (slot.killed) return;
    slot.killed = true;
    this.remove(slot);
    if (slot.job) {
      clearTimeout(slot.job.timer);
      slot.job.job.reject(error);
    }
    if (!slot.ready && ++this.startFailures >= START_FAILURES_LIMIT) {
      this.giveUp(new ReadPoolUnavailableError(`read workers fail to start: ${error.message}`));
      return;
    }
    if (this.queue.length > 0 && !this.closed) this.start();
  }

  private giveUp(error: Error): void {
    this.broken = error;
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots.splice(0)) void this.kill(slot, error);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const idle = this.slots.find((s) => s.ready && !s.job);
      if (!idle) break;
      this.dispatch(idle, this.queue.shift()!);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    const id = this.nextId++;
    const timer = setTimeout(() => this.timeout(slot, id), this.options.statementTimeoutMs);
    slot.job = { id, job, timer };
    busy(slot);
    slot.child.send({ type: 'read', id, main: job.main, count: job.count } satisfies WorkerRequest);
  }

  /** The read passed the statement timeout: kill its worker (that stops SQLite), start another. */
  private timeout(slot: Slot, id: number): void {
    if (slot.killed || slot.job?.id !== id) return;
    this.remove(slot);
    void this.kill(slot, new StatementTimeoutError('canceling statement due to statement timeout'));
    if (!this.closed) this.start();
  }

  private remove(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }

  private kill(slot: Slot, error: Error): Promise<void> {
    slot.killed = true;
    if (slot.job) {
      clearTimeout(slot.job.timer);
      slot.job.job.reject(error);
      slot.job = null;
    }
    const { child } = slot;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    // Referenced, so whoever awaits this (close) sees the exit before the process may end.
    busy(slot);
    return new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** A busy worker keeps the process alive until it answers; an idle one does not. */
function busy(slot: Slot): void {
  slot.child.ref();
  (slot.child.channel as { ref?: () => void } | null | undefined)?.ref?.();
}

function idle(slot: Slot): void {
  slot.child.unref();
  (slot.child.channel as { unref?: () => void } | null | undefined)?.unref?.();
}

/**
 * The worker as built (`dist/…/sqlite-read-worker.js`) runs with plain node; from the TypeScript
 * sources (tests, `vitest`), jiti compiles it in the child, as it compiles config files.
 */
function spawnWorker(): ChildProcess {
  const options = { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[], serialization: 'advanced' as const };
  const built = fileURLToPath(new URL('./sqlite-read-worker.js', import.meta.url));
  if (import.meta.url.endsWith('.js') && existsSync(built)) return spawn(process.execPath, [built], options);
  const source = fileURLToPath(new URL('./sqlite-read-worker.ts', import.meta.url));
  const jiti = createRequire(import.meta.url).resolve('jiti');
  const bootstrap =
    `const { createJiti } = require(${JSON.stringify(jiti)});` +
    `createJiti(${JSON.stringify(source)}).import(${JSON.stringify(source)}).catch((e) => { console.error(e); process.exit(1); });`;
  return spawn(process.execPath, ['-e', bootstrap], options);
}
