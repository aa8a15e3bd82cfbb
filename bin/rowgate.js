#!/usr/bin/env node
// The `rowgate` command. The TypeScript sources are compiled to dist/ by `npm run build` (run by `prepare` on install).
import '../dist/cli/main.js';
