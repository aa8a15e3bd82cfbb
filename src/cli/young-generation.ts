/**
 * Imported first by the CLI, which owns its process: V8's young generation keeps the size it
 * starts with instead of doubling under load. A server's request garbage dies young, so a larger
 * young generation buys no CPU here, only memory: 20–35 MB less peak RSS under the benchmark's load
 * at the same CPU per request (docs/performance.md). Node's `--max-semi-space-size` would do the
 * same, but `node bin/rowgate.js` cannot pass flags to itself, and this one V8 reads when it grows
 * the space, so setting it at run time works. Programs that embed rowgate keep their own settings.
 */
import v8 from 'node:v8';

v8.setFlagsFromString('--semi-space-growth-factor=1');
