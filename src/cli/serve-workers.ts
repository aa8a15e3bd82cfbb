/**
 * `rowgate serve --workers N`: one process per core. The primary forks N workers with Node's
 * cluster module; each runs the normal serve path (the same command line, so the same options,
 * config file and database) and the primary hands out incoming connections round-robin. Node 20
 * has no SO_REUSEPORT in `net` (`reusePort` arrived in Node 22.12/23.1), hence cluster.
 *
 * The primary serves nothing itself. It:
 * - starts the first worker alone and the others once it listens, so first-run work (creating the
 *   demo shop) happens once, and a start-up error (a bad config, a port in use) ends the command
 *   with that worker's exit code instead of a restart loop;
 * - replaces a worker that dies, waiting longer after each crash that comes soon after a start;
 * - forwards SIGTERM and SIGINT (each worker finishes its requests in flight, then exits; the
 *   primary exits when all have) and SIGHUP (schema reload) to every worker.
 *
 * SQLite: the workers open the same file, each with its own connections; WAL lets them read in
 * parallel while writes take turns through SQLite's own lock (busy timeout).
 */
import cluster, { type Worker } from 'node:cluster';

/** How long a worker must have lived for its death to count as a crash "later" (no back-off). */
const STABLE_MS = 10_000;
/** The longest wait before replacing a worker that keeps crashing. */
const MAX_BACKOFF_MS = 30_000;
/** After SIGTERM, workers get this long to finish before they are killed. */
const SHUTDOWN_GRACE_MS = 15_000;

/** True in a process the cluster primary forked: it must run the normal serve path. */
export const isClusterWorker = (): boolean => cluster.isWorker;

export function serveWorkers(count: number, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<never> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--workers needs a positive integer, got ${count}`);
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  let firstUp = false;
  let closing = false;
  let failedOnExit = false;
  let crashes = 0;

  return new Promise<never>(() => {
    const fork = (): Worker => {
      const worker = cluster.fork({ ROWGATE_WORKER: '1' });
      startedAt.set(worker, Date.now());
      worker.once('listening', () => {
        listening.add(worker);
        if (!firstUp) {
          firstUp = true;
          for (let i = 1; i < count; i++) fork();
        }
        if (listening.size === count) log(`rowgate: ${count} worker${count === 1 ? '' : 's'} serving (primary pid ${process.pid})`);
      });
      return worker;
    };

    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      listening.delete(worker);
      if (closing) {
        if (code !== 0) failedOnExit = true;
        if (startedAt.size === 0) process.exit(failedOnExit ? 1 : 0);
        return;
      }
      if (!firstUp) {
        // The first worker never listened: a start-up error, which it has printed.
        process.exit(typeof code === 'number' && code !== 0 ? code : 1);
      }
      crashes = lived < STABLE_MS ? crashes + 1 : 0;
      const delay = crashes <= 1 ? 0 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** (crashes - 2));
      log(`rowgate: worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another${delay ? ` in ${delay} ms` : ''}`);
      setTimeout(() => {
        if (!closing) fork();
      }, delay);
    });

    const shutdown = (signal: 'SIGTERM' | 'SIGINT') => {
      if (closing) return;
      closing = true;
      log(`${signal}: stopping ${startedAt.size} worker(s) after their requests in flight`);
      if (startedAt.size === 0) process.exit(0);
      for (const w of startedAt.keys()) w.process.kill('SIGTERM');
      setTimeout(() => {
        for (const w of startedAt.keys()) w.process.kill('SIGKILL');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', () => {
      for (const w of startedAt.keys()) w.process.kill('SIGHUP');
    });

    fork();
  });
}
