/**
 * Runs the real `rowgate` binary (bin/rowgate.js, i.e. the built dist/) as a child process, for
 * tests of the command line, signals and end-to-end clients.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/rowgate.js', import.meta.url));

export interface RunningCli {
  readonly child: ChildProcess;
  /** The base URL from the banner, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `rowgate serve …` on a free port and waits for its banner. */
export async function startCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningCli> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${stderr}\n${stdout}`)), 30_000);
    const check = () => {
      const m = /API\s+(http:\/\/\S+?)\/?\n/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rowgate exited with ${code} before serving:\n${stderr}`));
    });
  });
  return {
    child,
    url,
    output: () => ({ stdout, stderr }),
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
