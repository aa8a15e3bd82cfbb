/**
 * PostgreSQL schemas as PostgREST profiles: the first configured schema is the default,
 * Accept-Profile picks the schema a read is for, Content-Profile that of a write, and any other
 * schema is a 406 naming the ones served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresHarnessWith, postgresUnavailable } from '../helpers/postgres-harness.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const reason = await postgresUnavailable();

describe.skipIf(reason !== null)('postgres: schemas as profiles', () => {
  let server: TestServer;
  beforeAll(async () => {
    const harness = postgresHarnessWith(`
      create schema inventory;
      create table inventory.bins (id serial primary key, label text not null unique);
      insert into inventory.bins (label) values ('A1'), ('B2');
      create table inventory.authors (id int primary key, handle text);
      insert into inventory.authors values (1, 'other-schema');
    `);
    server = await startTestServer(harness, { schemas: ['public', 'inventory'] });
  });
  afterAll(async () => server?.close());

  it('serves the first schema by default and says so', async () => {
    const res = await server.request({ url: '/authors?select=name&id=eq.1' });
    expect(res.json()).toEqual([{ name: 'Ursula K. Le Guin' }]);
    expect(res.headers['content-profile']).toBe('public');
    expect((await server.request({ url: '/bins' })).status).toBe(404);
  });

  it('reads another schema with Accept-Profile', async () => {
    const res = await server.request({ url: '/bins?select=label&order=id', headers: { 'Accept-Profile': 'inventory' } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual([{ label: 'A1' }, { label: 'B2' }]);
    expect(res.headers['content-profile']).toBe('inventory');
    // The same table name in two schemas: each profile sees its own.
    expect((await server.request({ url: '/authors?select=handle', headers: { 'Accept-Profile': 'inventory' } })).json()).toEqual([{ handle: 'other-schema' }]);
  });

  it('writes another schema with Content-Profile', async () => {
    const res = await server.request({ method: 'POST', url: '/bins', headers: { 'Content-Profile': 'inventory' }, body: { label: 'C3' } });
    expect(res.status).toBe(201);
    expect(await server.query("select label from inventory.bins where label = 'C3'")).toEqual([{ label: 'C3' }]);
  });

  it('refuses a schema that is not served with 406', async () => {
    const res = await server.request({ url: '/bins', headers: { 'Accept-Profile': 'pg_catalog' } });
    expect(res.status).toBe(406);
    expect(res.json()).toMatchObject({ code: 'PGRST106', message: 'The schema must be one of the following: public, inventory' });
  });

  it('documents each profile', async () => {
    const doc = (await server.request({ url: '/', headers: { 'Accept-Profile': 'inventory' } })).json();
    expect(Object.keys(doc.paths)).toContain('/bins');
    expect(Object.keys((await server.request({ url: '/' })).json().paths)).not.toContain('/bins');
  });
});
