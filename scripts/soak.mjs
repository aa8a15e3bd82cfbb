#!/usr/bin/env node
// The soak command (`npm run test:soak`): the reliability suite (test/reliability) at the counts
// issue 8 names, then the one closing line CI reads, "N passed, N failed, N skipped", as
// scripts/test.mjs prints it.
//
// RELIABILITY_SOAK=1 switches every file to its soak version and RELIABILITY_RUNS=10000 is the
// scale the files derive their counts from (10,000 generated bad requests, 2,000 valid ones,
// 2,000 oracle cases, 30 crash cycles, 10 outage cycles per engine). Each is only a default: set
// RELIABILITY_RUNS (or RELIABILITY_SEED, DIALECTS) to run smaller or to replay one run. The seed
// is random unless given, so each soak explores; the files print the seed they used.
// Extra arguments go to vitest (e.g. a file name, or --no-file-parallelism).
import { spawnSync } from 'node:child_process';
import { runVitest } from './vitest-counts.mjs';

const started = Date.now();

// Tests that start the real binary run dist/, so build it from the current sources first.
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

const env = {
  ...process.env,
  RELIABILITY_SOAK: '1',
  RELIABILITY_RUNS: process.env.RELIABILITY_RUNS ?? '10000',
  RELIABILITY_SEED: process.env.RELIABILITY_SEED ?? 'random',
};
console.log(`soak: RELIABILITY_SOAK=1 RELIABILITY_RUNS=${env.RELIABILITY_RUNS} RELIABILITY_SEED=${env.RELIABILITY_SEED}${env.DIALECTS ? ` DIALECTS=${env.DIALECTS}` : ''}`);

const extra = process.argv.slice(2);
// Soak tests without a timeout of their own run far longer than the config's fast-suite default.
const { status, passed, failed, skipped } = runVitest('soak', [
  '--testTimeout=1800000', '--hookTimeout=600000',
  ...(extra.some((a) => !a.startsWith('-')) ? extra : ['test/reliability', ...extra]),
], env);
console.log(`soak: finished in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
