/**
 * Runs vitest with a JSON report and returns its counts, for the summary line CI reads
 * (`N passed, N failed, N skipped`). Shared by `npm test` (scripts/test.mjs) and the soak.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `label` prefixes the error line when vitest wrote no report. */
export function runVitest(label, args, env = process.env) {
  const dir = mkdtempSync(join(tmpdir(), `rowgate-${label}-`));
  const report = join(dir, 'report.json');
  const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args], { stdio: 'inherit', env });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed = json.numPassedTests;
    failed = json.numFailedTests;
    skipped = json.numPendingTests + json.numTodoTests;
    // A file that fails to load has no tests to count; count it as a failure so it is never silent.
    failed += (json.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  } catch {
    failed = Math.max(failed, 1);
    console.error(`${label}: vitest wrote no JSON report`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { status: run.status, passed, failed, skipped };
}
