/**
 * Conformance cases as data: URL in, status/headers/JSON out, and the rows in the database after.
 * The same tables run on every engine; each engine supplies a way to start a server on its fixture.
 */
import { expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import type { EngineName } from '../helpers/engines.js';

export interface Case {
  readonly name: string;
  /** Engines the case applies to (default: all), for behaviour one engine alone has, like SQLite's rowid. */
  readonly engines?: readonly EngineName[];
  readonly method?: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly status: number;
  /** The whole body, compared as parsed JSON. */
  readonly json?: unknown;
  /** For error responses: the catalog code. */
  readonly code?: string;
  /** The raw body text (CSV, empty bodies). */
  readonly text?: string;
  /** Headers that must be present with these values (a RegExp matches). */
  readonly expectHeaders?: Record<string, string | RegExp | null>;
  /** After the request: a query on a separate connection and the rows it must return. */
  readonly after?: { readonly sql: string; readonly rows: readonly unknown[] };
}

export function runCase(c: Case, server: () => TestServer, engine: EngineName): void {
  if (c.engines && !c.engines.includes(engine)) return;
  it(c.name, async () => {
    const res = await server().request({ method: c.method, url: c.url, headers: c.headers, body: c.body });
    const context = `${c.method ?? 'GET'} ${c.url} -> ${res.status} ${res.text.slice(0, 300)}`;
    expect(res.status, context).toBe(c.status);
    if (c.json !== undefined) expect(res.json(), context).toEqual(c.json);
    if (c.text !== undefined) expect(res.text, context).toBe(c.text);
    if (c.code !== undefined) {
      const body = res.json();
      expect(body.code, context).toBe(c.code);
      expect(Object.keys(body).sort(), 'error body shape').toEqual(['code', 'details', 'hint', 'message']);
    }
    for (const [name, want] of Object.entries(c.expectHeaders ?? {})) {
      const got = res.headers[name];
      if (want === null) expect(got, `header ${name}`).toBeUndefined();
      else if (want instanceof RegExp) expect(String(got), `header ${name}`).toMatch(want);
      else expect(got, `header ${name}`).toBe(want);
    }
    if (c.after) {
      expect(await server().query(c.after.sql), `rows after ${context}`).toEqual(c.after.rows);
    }
  });
}
