/**
 * Registers every engine harness with the registry in engines.ts. Import it once in a suite that
 * runs on all engines; each harness lives in its own file.
 */
import './postgres-harness.js';
import './mysql-harness.js';

export {};
