import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errors, rowgateError } from './catalog.js';

describe('error catalog', () => {
  it('docs/errors.md lists exactly the catalog codes with the same statuses', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| ([0-9A-Z]{5,8}) \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });

  it('renders PostgREST error bodies', () => {
    const e = errors.unknownTable('prodcts', 'products');
    expect(e.status).toBe(404);
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: 'PGRST205',
      message: "Could not find the table 'prodcts' in the schema cache",
      details: null,
      hint: "Perhaps you meant the table 'products'",
    });
  });

  it('keeps the cause private', () => {
    const e = rowgateError('RG500', 'Internal server error', { cause: new Error('secret SQL') });
    expect(JSON.stringify(e)).not.toContain('secret');
  });
});
