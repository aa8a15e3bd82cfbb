/**
 * `auth.mode: 'database'` on PostgreSQL: rowgate applies no rules of its own; every transaction
 * first sets the caller's role and JWT claims (transaction-local), and the table's row-level
 * security policies decide what each caller sees and may write. Also: the settings end with the
 * transaction (a pooled connection keeps nothing), and SQLite/MySQL refuse the mode at start.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, ConfigError, defineAction, Type, type RowgateServer } from '../../src/index.js';
import { signAccessToken } from '../../src/auth/session-token.js';
import { openDialect } from '../../src/dialect/open-dialect.js';
import { createPostgresDatabase, postgresUnavailable } from '../helpers/postgres-harness.js';

const reason = await postgresUnavailable();

const JWT_SECRET = 'rls-test-secret-0123456789abcdef0123456789';
const ANON_KEY = 'anon-key-0123456789abcdef';
const SERVICE_KEY = 'service-key-0123456789abcdef';

/**
 * `anon` and `authenticated` are the role names rowgate's callers carry, so the database roles
 * must have exactly those names. Roles belong to the cluster, not the test database: created only
 * when missing (another suite may be creating them at the same moment), and left in place.
 */
const ROLES = ['anon', 'authenticated']
  .map(
    (role) => `
do $$ begin
  if not exists (select from pg_roles where rolname = '${role}') then create role ${role} nologin; end if;
exception when duplicate_object or unique_violation then null;
end $$;
grant ${role} to current_user;`,
  )
  .join('\n');

const SCHEMA = `
${ROLES}
create table notes (
  id serial primary key,
  owner text not null,
  body text not null,
  public boolean not null default false
);
alter table notes enable row level security;
grant usage on schema public to anon, authenticated;
grant select on notes to anon;
grant select, insert, update, delete on notes to authenticated;
grant usage on sequence notes_id_seq to authenticated;
create policy anon_reads_public on notes for select to anon using (public);
create policy owner_only on notes for all to authenticated
  using (owner = current_setting('request.jwt.claims', true)::json->>'sub')
  with check (owner = current_setting('request.jwt.claims', true)::json->>'sub');
insert into notes (owner, body, public) values
  ('user-a', 'a private', false), ('user-a', 'a public', true), ('user-b', 'b private', false);

-- What the database sees of the caller, read through the API.
create view whoami as
  select current_user::text as db_role,
         current_setting('request.jwt.claims', true) as claims,
         current_setting('request.jwt.claim.sub', true) as sub,
         current_setting('request.jwt.claim.role', true) as claim_role;
grant select on whoami to anon, authenticated;

-- A function runs with the caller's rights (SECURITY INVOKER): the policies apply inside it too.
create function my_note_count() returns integer language sql stable as $$ select count(*)::integer from notes $$;
grant execute on function my_note_count() to anon, authenticated;
`;

function token(sub: string, role = 'authenticated'): Promise<string> {
  return signAccessToken(
    JWT_SECRET,
    { sub, role, email: `${sub}@example.com`, session_id: `s-${sub}`, app_metadata: {}, user_metadata: {} },
    3600,
  );
}

describe.skipIf(reason !== null)('postgres: auth.mode database (row-level security)', () => {
  let server: RowgateServer;
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let userA: string;
  let userB: string;

  const request = async (opts: { method?: string; url: string; auth?: string; apikey?: string; body?: unknown; headers?: Record<string, string> }) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
    if (opts.apikey) headers.apikey = opts.apikey;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await server.app.inject({
      method: (opts.method ?? 'GET') as 'GET',
      url: opts.url,
      headers,
      ...(opts.body !== undefined ? { payload: JSON.stringify(opts.body) } : {}),
    });
    return { status: res.statusCode, headers: res.headers, text: res.body, json: () => JSON.parse(res.body) };
  };
  const bodies = async (opts: Parameters<typeof request>[0]) => {
    const res = await request(opts);
    expect(res.status, res.text).toBe(200);
    return (res.json() as { body: string }[]).map((r) => r.body);
  };

  beforeAll(async () => {
    database = await createPostgresDatabase(SCHEMA);
    // One connection: every request reuses it, so anything a request left set would show in the next.
    server = await createServer({
      db: database.url,
      logLevel: 'silent',
      poolSize: 1,
      auth: { mode: 'database', jwtSecret: JWT_SECRET, apiKeys: { anon: ANON_KEY, service: SERVICE_KEY } },
      actions: [
        defineAction({
          name: 'whoami_action',
          input: Type.Object({}),
          roles: ['authenticated', 'anon'],
          readOnly: true,
          async handler(_input, ctx) {
            const row = await ctx.db.selectFrom('notes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
            return { notes: Number(row.n) };
          },
        }),
      ],
    });
    [userA, userB] = await Promise.all([token('user-a'), token('user-b')]);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('runs database functions and actions as the caller, so the policies apply inside them', async () => {
    expect((await request({ method: 'POST', url: '/rpc/my_note_count', auth: userA, body: {} })).json()).toBe(2);
    expect((await request({ method: 'POST', url: '/rpc/my_note_count', auth: userB, body: {} })).json()).toBe(1);
    expect((await request({ method: 'POST', url: '/rpc/my_note_count', apikey: SERVICE_KEY, body: {} })).json()).toBe(3);
    expect((await request({ method: 'POST', url: '/rpc/whoami_action', auth: userB, body: {} })).json()).toEqual({ notes: 1 });
    expect((await request({ method: 'POST', url: '/rpc/whoami_action', body: {} })).json()).toEqual({ notes: 1 });
  });

  it('shows each user only their own rows', async () => {
    expect(await bodies({ url: '/notes?select=body&order=id', auth: userA })).toEqual(['a private', 'a public']);
    expect(await bodies({ url: '/notes?select=body&order=id', auth: userB })).toEqual(['b private']);
    // A row of another user is as absent as a row that does not exist.
    const other = await request({ url: '/notes?id=eq.3', auth: userA, headers: { accept: 'application/vnd.pgrst.object+json' } });
    expect(other.status).toBe(406);
    expect((await request({ url: '/notes/3', auth: userA })).status).toBe(404);
    expect((await request({ url: '/notes/3', auth: userB })).status).toBe(200);
  });

  it('counts and streams only the rows the policy lets through', async () => {
    const counted = await request({ url: '/notes?select=id', auth: userB, headers: { prefer: 'count=exact' } });
    expect(counted.headers['content-range']).toBe('0-0/1');
    // CSV goes through the driver's cursor (stream): the same policy applies there.
    const csv = await request({ url: '/notes?select=body&order=id', auth: userA, headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.text.trim().split(/\r?\n/)).toEqual(['body', 'a private', 'a public']);
  });

  it('shows anonymous callers what the anon policy allows', async () => {
    expect(await bodies({ url: '/notes?select=body' })).toEqual(['a public']);
    expect(await bodies({ url: '/notes?select=body', apikey: ANON_KEY })).toEqual(['a public']);
    // anon has no insert grant: the database refuses.
    const write = await request({ method: 'POST', url: '/notes', body: { owner: 'x', body: 'nope' } });
    expect(write.status).toBe(403);
    expect(write.json().code).toBe('42501');
  });

  it('sets the role and the claims the policies read', async () => {
    const [me] = (await request({ url: '/whoami', auth: userA })).json();
    expect(me.db_role).toBe('authenticated');
    expect(me.sub).toBe('user-a');
    expect(me.claim_role).toBe('authenticated');
    expect(JSON.parse(me.claims)).toMatchObject({ sub: 'user-a', role: 'authenticated', email: 'user-a@example.com' });
    const [anon] = (await request({ url: '/whoami' })).json();
    expect(anon).toMatchObject({ db_role: 'anon', sub: '', claim_role: 'anon' });
    expect(JSON.parse(anon.claims)).toEqual({ role: 'anon' });
  });

  it('refuses a write that breaks the WITH CHECK policy with 403, and writes nothing', async () => {
    const forged = await request({ method: 'POST', url: '/notes', auth: userA, body: { owner: 'user-b', body: 'forged' } });
    expect(forged.status).toBe(403);
    expect(forged.json()).toMatchObject({ code: '42501', message: expect.stringContaining('row-level security') });
    // Moving one's own row to another user is refused the same way.
    const moved = await request({ method: 'PATCH', url: '/notes?id=eq.1', auth: userA, body: { owner: 'user-b' } });
    expect(moved.status).toBe(403);
    // Another user's row is not there to change: nothing happens.
    const other = await request({ method: 'PATCH', url: '/notes?id=eq.3', auth: userA, body: { body: 'hijacked' }, headers: { prefer: 'return=representation' } });
    expect(other.status).toBe(200);
    expect(other.json()).toEqual([]);
    const rows = await bodies({ url: '/notes?select=body&order=id', apikey: SERVICE_KEY });
    expect(rows).toEqual(['a private', 'a public', 'b private']);
  });

  it('lets a user write their own rows', async () => {
    const created = await request({ method: 'POST', url: '/notes', auth: userB, body: { owner: 'user-b', body: 'b new' }, headers: { prefer: 'return=representation' } });
    expect(created.status, created.text).toBe(201);
    expect(created.json()).toMatchObject([{ owner: 'user-b', body: 'b new' }]);
    expect(await bodies({ url: '/notes?select=body&order=id', auth: userB })).toEqual(['b private', 'b new']);
    const removed = await request({ method: 'DELETE', url: '/notes?body=eq.b%20new', auth: userB });
    expect(removed.status).toBe(204);
  });

  it('lets the service key see every row, as the connection role', async () => {
    expect(await bodies({ url: '/notes?select=body&order=id', apikey: SERVICE_KEY })).toEqual(['a private', 'a public', 'b private']);
    const [me] = (await request({ url: '/whoami', auth: SERVICE_KEY })).json();
    expect(me.db_role).toBe('postgres');
    expect(me.claim_role).toBe('service');
  });

  it('leaves nothing set on the pooled connection after a request', async () => {
    // The pool has one connection: user A's role and claims were set on it just before.
    expect((await bodies({ url: '/notes?select=body', auth: userA })).length).toBe(2);
    expect(await bodies({ url: '/notes?select=body&order=id', apikey: SERVICE_KEY })).toEqual(['a private', 'a public', 'b private']);
    const [me] = (await request({ url: '/whoami', apikey: SERVICE_KEY })).json();
    expect(me).toMatchObject({ db_role: 'postgres', sub: '' });
    // Also after a refused write, which ends in ROLLBACK.
    await request({ method: 'POST', url: '/notes', auth: userA, body: { owner: 'user-b', body: 'forged' } });
    expect((await request({ url: '/whoami', apikey: SERVICE_KEY })).json()[0].db_role).toBe('postgres');
  });

  it('refuses a token whose role the database does not have with 403', async () => {
    const stranger = await token('user-c', `rg_missing_${randomBytes(4).toString('hex')}`);
    const res = await request({ url: '/notes', auth: stranger });
    expect(res.status).toBe(403);
    expect(res.json().code).toBe('42501');
  });

  it('runs the statement of a hooked write as the caller', async () => {
    const hooked = await createServer({
      db: database.url,
      logLevel: 'silent',
      poolSize: 1,
      auth: { mode: 'database', jwtSecret: JWT_SECRET, apiKeys: { anon: ANON_KEY, service: SERVICE_KEY } },
      hooks: { notes: { beforeInsert: (row) => ({ ...row, body: `${String(row.body)}!` }) } },
    });
    try {
      const post = (owner: string) =>
        hooked.app.inject({
          method: 'POST',
          url: '/notes',
          headers: { authorization: `Bearer ${userA}`, 'content-type': 'application/json', prefer: 'return=representation' },
          payload: JSON.stringify({ owner, body: 'hooked' }),
        });
      const forged = await post('user-b');
      expect(forged.statusCode).toBe(403);
      const own = await post('user-a');
      expect(own.statusCode, own.body).toBe(201);
      expect(JSON.parse(own.body)).toMatchObject([{ owner: 'user-a', body: 'hooked!' }]);
      await hooked.app.inject({ method: 'DELETE', url: '/notes?body=eq.hooked!', headers: { apikey: SERVICE_KEY } });
    } finally {
      await hooked.close();
    }
  });

  it('runs Dialect.transaction as the caller when given a session, and only then', async () => {
    const dialect = await openDialect(database.url, { statementTimeoutMs: 5000, requestTimeoutMs: 5000, poolSize: 1, auth: { mode: 'database' } });
    try {
      expect(dialect.rowLevelSecurity).toBe(true);
      const who = (session?: Parameters<NonNullable<typeof dialect.transaction>>[1]['session']) =>
        dialect.transaction!(async (db) => {
          const rows = await db.selectFrom('notes').select('body').orderBy('id').execute();
          const [me] = await db.selectFrom('whoami').selectAll().execute();
          return { bodies: rows.map((r) => r.body), role: me.db_role };
        }, { readOnly: true, ...(session ? { session } : {}) });
      const claims = JSON.stringify({ sub: 'user-b', role: 'authenticated' });
      expect(await who({ role: 'authenticated', claims, sub: 'user-b', claimRole: 'authenticated' })).toEqual({ bodies: ['b private'], role: 'authenticated' });
      // Without a session (accounts, idempotency keys): the connection's own role, every row.
      expect(await who()).toEqual({ bodies: ['a private', 'a public', 'b private'], role: 'postgres' });
    } finally {
      await dialect.driver.close();
    }
  });

  it('leaves the default mode untouched: no role, no claims', async () => {
    const dialect = await openDialect(database.url, { statementTimeoutMs: 5000, requestTimeoutMs: 5000, poolSize: 1 });
    try {
      expect(dialect.rowLevelSecurity).toBeUndefined();
      const result = await dialect.driver.read({ sql: `select row_to_json(w)::text from whoami w`, params: [] }, null);
      expect(JSON.parse(result.rows[0]!)).toMatchObject({ db_role: 'postgres' });
      expect(JSON.parse(result.rows[0]!).claims ?? '').toBe('');
    } finally {
      await dialect.driver.close();
    }
  });
});

describe('auth.mode database on engines without row-level security', () => {
  const auth = { mode: 'database' as const, jwtSecret: JWT_SECRET };

  it('refuses to start on SQLite, saying why', async () => {
    const start = createServer({ db: 'sqlite:/nonexistent/rls.db', logLevel: 'silent', auth });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/auth\.mode 'database'.*only PostgreSQL has; SQLite has none/);
  });

  it('refuses to start on MySQL, saying why', async () => {
    const start = createServer({ db: 'mysql://root@127.0.0.1:1/none', logLevel: 'silent', auth });
    await expect(start).rejects.toThrow(/only PostgreSQL has; MySQL has none/);
  });
});
