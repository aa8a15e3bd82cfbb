/**
 * Accounts over /auth/v1 on every engine, as supabase-js relies on them: sign-up, the password and
 * refresh grants, rotation and replay, logout scopes, the current user, the sign-up hook, input
 * checks, rate limits, and what the database holds afterwards (hashes only, never secrets).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAccessToken } from '../../src/auth/session-token.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { SECRET, startAuthApp, type AuthApp, type AuthResponse } from './accounts-harness.js';

const PASSWORD = 'correct horse battery staple';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** No response may carry a password, a hash or a field named like one. */
function expectNoSecrets(res: AuthResponse, ...secrets: string[]): void {
  expect(res.text).not.toMatch(/password|scrypt\$/i);
  for (const s of secrets) expect(res.text).not.toContain(s);
}

let emailCounter = 0;
const freshEmail = (tag = 'user') => `${tag}.${process.pid}.${++emailCounter}@example.com`;

for (const engine of selectedEngines()) {
  const reason = await engine.unavailable();
  if (reason) console.warn(`accounts: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: accounts (/auth/v1)`, () => {
    let database: EngineDatabase;
    let auth: AuthApp;
    const extra: AuthApp[] = [];

    beforeAll(async () => {
      database = await engine.create('conformance');
      auth = await startAuthApp(database, { rateLimit: { perIp: { max: 10_000, windowSeconds: 60 }, perAccount: { max: 50, windowSeconds: 60 } } });
    }, 60_000);
    afterAll(async () => {
      for (const a of extra) await a.close();
      await auth?.close();
      await database?.drop();
    });

    /** Another app on the same database with its own config (a second process, in effect). */
    const another = async (config: Parameters<typeof startAuthApp>[1], clock?: () => Date, logLines?: string[]) => {
      const a = await startAuthApp(database, config, clock, logLines);
      extra.push(a);
      return a;
    };
    const signUp = (email: string, password = PASSWORD, data?: unknown, on = auth) =>
      on.call('POST', '/auth/v1/signup', { body: { email, password, data, gotrue_meta_security: {}, code_challenge: null, code_challenge_method: null } });
    const login = (email: string, password = PASSWORD, on = auth) => on.call('POST', '/auth/v1/token?grant_type=password', { body: { email, password, gotrue_meta_security: {} } });
    const refresh = (token: string, on = auth) => on.call('POST', '/auth/v1/token?grant_type=refresh_token', { body: { refresh_token: token } });
    const rows = (sql: string) => database.query(sql);

    it('signs up: a session at once, Supabase-shaped, with the right claims and no secrets', async () => {
      const email = freshEmail('Signup').replace('signup', 'SignUp');
      const res = await signUp(`  ${email.toUpperCase()} `, PASSWORD, { name: 'Ada' });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const s = res.body;
      expect(s).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
      expect(typeof s.access_token).toBe('string');
      expect(s.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Math.abs(s.expires_at - (Date.now() / 1000 + 3600))).toBeLessThan(5);
      expect(s.user).toMatchObject({
        aud: 'authenticated',
        role: 'authenticated',
        email: email.toLowerCase(),
        app_metadata: { provider: 'email', providers: ['email'] },
        user_metadata: { name: 'Ada' },
        identities: [],
        is_anonymous: false,
      });
      expect(s.user.id).toMatch(/^[0-9a-f-]{36}$/);
      for (const field of ['created_at', 'updated_at', 'last_sign_in_at']) expect(Date.parse(s.user[field])).not.toBeNaN();
      expectNoSecrets(res, PASSWORD);

      const claims = await verifyAccessToken(SECRET, s.access_token);
      expect(claims).toMatchObject({ sub: s.user.id, role: 'authenticated', email: email.toLowerCase(), aud: 'authenticated', user_metadata: { name: 'Ada' } });
      expect(claims.app_metadata).toEqual({ provider: 'email', providers: ['email'] });
      expect(claims.session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(s.expires_at).toBe(claims.exp);
    });

    it('stores a salted scrypt hash and only the SHA-256 of refresh tokens', async () => {
      const email = freshEmail();
      const a = (await signUp(email)).body;
      const b = (await signUp(freshEmail())).body;
      const [user] = await rows(`select * from ${auth.tables.users} where email = '${email}'`);
      expect(user.id).toBe(a.user.id);
      const hash = String(user.password_hash);
      expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(hash).not.toContain(PASSWORD);
      const [other] = await rows(`select password_hash from ${auth.tables.users} where id = '${b.user.id}'`);
      expect(other.password_hash).not.toBe(hash); // same password, different salt
      expect(JSON.parse(String(user.app_metadata))).toEqual({ provider: 'email', providers: ['email'] });

      const tokens = await rows(`select * from ${auth.tables.tokens} where user_id = '${a.user.id}'`);
      expect(tokens).toHaveLength(1);
      expect(tokens[0].token_hash).toBe(sha256(a.refresh_token));
      expect(Number(tokens[0].revoked)).toBe(0);
      expect(tokens[0].session_id).toBe((await verifyAccessToken(SECRET, a.access_token)).session_id);
      const everything = JSON.stringify(await rows(`select * from ${auth.tables.tokens}`));
      expect(everything).not.toContain(a.refresh_token);
      expect(everything).not.toContain(b.refresh_token);
    });

    it('refuses a second account for the same address, whatever its case', async () => {
      const email = freshEmail();
      expect((await signUp(email)).status).toBe(200);
      const again = await signUp(email.toUpperCase(), 'another password 1');
      expect(again.status).toBe(422);
      expect(again.body).toEqual({ code: 422, error_code: 'user_already_exists', msg: 'User already registered' });
    });

    it('lets exactly one of many concurrent sign-ups with one address through', async () => {
      const email = freshEmail('race');
      const results = await Promise.all(Array.from({ length: 8 }, () => signUp(email)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 422, 422, 422, 422, 422, 422, 422]);
      for (const r of results.filter((r) => r.status === 422)) expect(r.body.error_code).toBe('user_already_exists');
      expect(await rows(`select id from ${auth.tables.users} where email = '${email}'`)).toHaveLength(1);
    });

    it('checks passwords and addresses at sign-up the way Supabase answers', async () => {
      const weak = await signUp(freshEmail(), 'short');
      expect(weak.status).toBe(422);
      expect(weak.body).toMatchObject({ code: 422, error_code: 'weak_password', weak_password: { reasons: ['length'] } });
      expect(weak.body.msg).toContain('at least 8 characters');
      for (const email of ['not-an-email', 'a@', '@b.com', 'a b@c.com', 'x@-bad-.com']) {
        const res = await signUp(email);
        expect(res.status, email).toBe(400);
        expect(res.body.error_code).toBe('validation_failed');
      }
      const noPassword = await auth.call('POST', '/auth/v1/signup', { body: { email: freshEmail() } });
      expect(noPassword.status).toBe(422);
      expect(noPassword.body.error_code).toBe('validation_failed');
      const noEmail = await auth.call('POST', '/auth/v1/signup', { body: { password: PASSWORD } });
      expect(noEmail.status).toBe(400);
    });

    it('answers malformed and oversized input with 4xx, never 5xx, and writes nothing', async () => {
      const before = (await rows(`select count(*) as n from ${auth.tables.users}`))[0].n;
      const cases: [string, string, unknown][] = [
        ['POST', '/auth/v1/signup', '{"email": '],
        ['POST', '/auth/v1/signup', '[1,2,3]'],
        ['POST', '/auth/v1/signup', 'null'],
        ['POST', '/auth/v1/signup', '"text"'],
        ['POST', '/auth/v1/signup', ''],
        ['POST', '/auth/v1/signup', { email: 5, password: PASSWORD }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: 12345678 }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: ['x'] }],
        ['POST', '/auth/v1/signup', { email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }],
        ['POST', '/auth/v1/signup', { email: `${'a'.repeat(100_000)}@example.com`, password: PASSWORD }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: 'p'.repeat(1025) }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: 'é'.repeat(600) }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: PASSWORD, data: 'x' }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: PASSWORD, data: [1] }],
        ['POST', '/auth/v1/signup', { email: freshEmail(), password: PASSWORD, data: { blob: 'x'.repeat(10_000) } }],
        ['POST', '/auth/v1/signup', `{"email":"${freshEmail()}","password":"${PASSWORD}","data":${'['.repeat(5000)}${']'.repeat(5000)}}`],
        ['POST', '/auth/v1/token?grant_type=password', '{bad json'],
        ['POST', '/auth/v1/token?grant_type=password', { email: {}, password: PASSWORD }],
        ['POST', '/auth/v1/token?grant_type=password', { email: freshEmail() }],
        ['POST', '/auth/v1/token?grant_type=password', { email: freshEmail(), password: 'p'.repeat(5000) }],
        ['POST', '/auth/v1/token?grant_type=refresh_token', {}],
        ['POST', '/auth/v1/token?grant_type=refresh_token', { refresh_token: 42 }],
        ['POST', '/auth/v1/token?grant_type=refresh_token', { refresh_token: 'x'.repeat(100_000) }],
        ['POST', '/auth/v1/token?grant_type=client_credentials', {}],
        ['POST', '/auth/v1/token', {}],
        ['POST', '/auth/v1/token?grant_type=password&grant_type=refresh_token', {}],
        ['POST', '/auth/v1/logout?scope=everything', {}],
        ['GET', '/auth/v1/nowhere', undefined],
      ];
      for (const [method, url, body] of cases) {
        const res = await auth.call(method, url, { body });
        const label = `${method} ${url} ${typeof body === 'string' ? body.slice(0, 40) : JSON.stringify(body)?.slice(0, 60)}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        expect(res.body, label).toMatchObject({ code: res.status, error_code: expect.any(String), msg: expect.any(String) });
      }
      expect((await rows(`select count(*) as n from ${auth.tables.users}`))[0].n).toBe(before);
      const badJson = await auth.call('POST', '/auth/v1/signup', { body: '{"email": ' });
      expect(badJson.body.error_code).toBe('bad_json');
      const tooBig = await auth.call('POST', '/auth/v1/signup', { body: { email: freshEmail(), password: 'x'.repeat(2 * 1024 * 1024) } });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body).toMatchObject({ code: 413, error_code: 'validation_failed' });
    });

    it('logs in with the password grant; unknown address and wrong password answer alike', async () => {
      const email = freshEmail();
      const created = (await signUp(email)).body;
      const res = await login(email.toUpperCase());
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(created.user.id);
      expect(res.body.refresh_token).not.toBe(created.refresh_token);
      expectNoSecrets(res, PASSWORD);
      const newClaims = await verifyAccessToken(SECRET, res.body.access_token);
      expect(newClaims.session_id).not.toBe((await verifyAccessToken(SECRET, created.access_token)).session_id);
      const [row] = await rows(`select last_sign_in_at from ${auth.tables.users} where id = '${created.user.id}'`);
      expect(row.last_sign_in_at).toBe(res.body.user.last_sign_in_at);

      const wrong = await login(email, 'wrong password!');
      const unknown = await login(freshEmail('nobody'), 'wrong password!');
      expect(wrong.status).toBe(400);
      expect(unknown.status).toBe(400);
      expect(wrong.body).toEqual({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
      expect(unknown.body).toEqual(wrong.body);
    });

    it('rotates refresh tokens; a replayed one revokes the whole family with 401', async () => {
      const first = (await signUp(freshEmail())).body;
      const sessionId = (await verifyAccessToken(SECRET, first.access_token)).session_id;
      const second = await refresh(first.refresh_token);
      expect(second.status).toBe(200);
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      expect(second.body.user.id).toBe(first.user.id);
      expect((await verifyAccessToken(SECRET, second.body.access_token)).session_id).toBe(sessionId);
      const third = await refresh(second.body.refresh_token);
      expect(third.status).toBe(200);

      const stored = await rows(`select token_hash, parent_hash, revoked, rotated_at from ${auth.tables.tokens} where session_id = '${sessionId}' order by created_at, revoked desc`);
      expect(stored).toHaveLength(3);
      const byHash = new Map(stored.map((r) => [r.token_hash, r]));
      expect(byHash.get(sha256(second.body.refresh_token))!.parent_hash).toBe(sha256(first.refresh_token));
      expect(byHash.get(sha256(third.body.refresh_token))!.parent_hash).toBe(sha256(second.body.refresh_token));
      expect(Number(byHash.get(sha256(first.refresh_token))!.revoked)).toBe(1);
      expect(Number(byHash.get(sha256(third.body.refresh_token))!.revoked)).toBe(0);

      // The GET /user session check passes while the family lives.
      expect((await auth.call('GET', '/auth/v1/user', { token: third.body.access_token })).status).toBe(200);

      const replay = await refresh(first.refresh_token);
      expect(replay.status).toBe(401);
      expect(replay.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(replay.body).toMatchObject({ code: 401, error_code: 'refresh_token_already_used' });
      // The newest descendant dies with it, and so does the session.
      const after = await refresh(third.body.refresh_token);
      expect(after.status).toBe(401);
      expect(after.headers['www-authenticate']).toContain('Bearer');
      const all = await rows(`select revoked from ${auth.tables.tokens} where session_id = '${sessionId}'`);
      expect(all.every((r) => Number(r.revoked) === 1)).toBe(true);
      const user = await auth.call('GET', '/auth/v1/user', { token: third.body.access_token });
      expect(user.status).toBe(401);
      expect(user.body.error_code).toBe('session_not_found');
    });

    it('lets only one of two concurrent refreshes with one token win, and treats the other as a replay', async () => {
      const s = (await signUp(freshEmail())).body;
      const results = await Promise.all([refresh(s.refresh_token), refresh(s.refresh_token)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      const winner = results.find((r) => r.status === 200)!;
      expect((await refresh(winner.body.refresh_token)).status).toBe(401);
    });

    it('answers unknown, junk and expired refresh tokens with 401 and WWW-Authenticate', async () => {
      for (const token of ['', 'nope', 'A'.repeat(43), 'x'.repeat(500)]) {
        const res = await refresh(token);
        if (token === '') {
          expect(res.status).toBe(400);
          continue;
        }
        expect(res.status, token).toBe(401);
        expect(res.body.error_code).toBe('refresh_token_not_found');
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
      // A refresh token past its lifetime, through a clock two months ahead.
      const later = await another({}, () => new Date(Date.now() + 61 * 24 * 3600 * 1000));
      const email = freshEmail();
      const s = (await signUp(email)).body;
      const child = await refresh(s.refresh_token);
      expect(child.status).toBe(200);
      const expired = await refresh(child.body.refresh_token, later);
      expect(expired.status).toBe(401);
      expect(expired.body.error_code).toBe('refresh_token_not_found');
      // A login then forgets the account's expired tokens: only the new session's token is left.
      const fresh = await login(email, PASSWORD, later);
      expect(fresh.status).toBe(200);
      const left = await rows(`select token_hash from ${auth.tables.tokens} where user_id = '${s.user.id}'`);
      expect(left).toEqual([{ token_hash: sha256(fresh.body.refresh_token) }]);
    });

    it('logs out one session, the others, or all of them (scope local, others, global)', async () => {
      const email = freshEmail();
      const a = (await signUp(email)).body;
      const b = (await login(email)).body;
      const c = (await login(email)).body;

      const out = await auth.call('POST', '/auth/v1/logout', { token: a.access_token });
      expect(out.status).toBe(204);
      expect(out.text).toBe('');
      expect((await refresh(a.refresh_token)).status).toBe(401);
      expect((await auth.call('GET', '/auth/v1/user', { token: a.access_token })).status).toBe(401);
      const b2 = await refresh(b.refresh_token);
      expect(b2.status).toBe(200);

      expect((await auth.call('POST', '/auth/v1/logout?scope=others', { token: b2.body.access_token })).status).toBe(204);
      expect((await refresh(c.refresh_token)).status).toBe(401);
      const b3 = await refresh(b2.body.refresh_token);
      expect(b3.status).toBe(200);

      const d = (await login(email)).body;
      expect((await auth.call('POST', '/auth/v1/logout?scope=global', { token: b3.body.access_token })).status).toBe(204);
      expect((await refresh(b3.body.refresh_token)).status).toBe(401);
      expect((await refresh(d.refresh_token)).status).toBe(401);
      const live = await rows(`select count(*) as n from ${auth.tables.tokens} where user_id = '${a.user.id}' and revoked = 0`);
      expect(live[0].n).toBe(0);

      // A logout without a valid token is a 401 (supabase-js ignores it and clears its session).
      const anonymous = await auth.call('POST', '/auth/v1/logout');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBeDefined();
    });

    it('answers GET /user with the account for a valid token and 401 for anything else', async () => {
      const s = (await signUp(freshEmail(), PASSWORD, { plan: 'free' })).body;
      const me = await auth.call('GET', '/auth/v1/user', { token: s.access_token });
      expect(me.status).toBe(200);
      expect(me.body).toEqual(s.user);
      expectNoSecrets(me, PASSWORD);

      const missing = await auth.call('GET', '/auth/v1/user');
      expect(missing.status).toBe(401);
      expect(missing.body.error_code).toBe('no_authorization');
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      const [h, p, sig] = s.access_token.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'service' })).toString('base64url')}.${sig}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
      for (const token of [forged, none, 'garbage', `${s.access_token}x`, s.refresh_token]) {
        const res = await auth.call('GET', '/auth/v1/user', { token });
        expect(res.status).toBe(401);
        expect(res.body.error_code).toBe('bad_jwt');
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
      expect((await auth.call('GET', '/auth/v1/user', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    });

    it('updates user_metadata and the password with PUT /user; a new password signs out other sessions', async () => {
      const email = freshEmail();
      const s = (await signUp(email, PASSWORD, { a: 1, b: 2 })).body;
      const other = (await login(email)).body;
      const data = await auth.call('PUT', '/auth/v1/user', { token: s.access_token, body: { data: { b: null, c: 3 } } });
      expect(data.status).toBe(200);
      expect(data.body.user_metadata).toEqual({ a: 1, c: 3 });

      expect((await auth.call('PUT', '/auth/v1/user', { token: s.access_token, body: { password: PASSWORD } })).body.error_code).toBe('same_password');
      expect((await auth.call('PUT', '/auth/v1/user', { token: s.access_token, body: { password: 'tiny' } })).body.error_code).toBe('weak_password');
      expect((await auth.call('PUT', '/auth/v1/user', { token: s.access_token, body: { email: 'new@example.com' } })).status).toBe(422);
      const changed = await auth.call('PUT', '/auth/v1/user', { token: s.access_token, body: { password: 'a brand new passphrase' } });
      expect(changed.status).toBe(200);
      expectNoSecrets(changed, 'a brand new passphrase');
      expect((await login(email)).status).toBe(400);
      expect((await login(email, 'a brand new passphrase')).status).toBe(200);
      expect((await refresh(other.refresh_token)).status).toBe(401);
      expect((await refresh(s.refresh_token)).status).toBe(200);
    });

    it('runs the sign-up hook in the sign-up transaction: its rows, role and app_metadata, or nothing at all', async () => {
      const hooked = await another({
        onSignup: async (account, db) => {
          if (account.userMetadata.refuse) throw new Error('no thanks');
          await db.insertInto('notes').values({ body: account.email, mood: 'signup' }).execute();
          if (account.userMetadata.failAfterInsert) throw new Error('changed my mind');
          return { role: 'customer', customer_id: 42 };
        },
      });
      const email = freshEmail('hook');
      const res = await signUp(email, PASSWORD, { name: 'Bo' }, hooked);
      expect(res.status).toBe(200);
      expect(res.body.user.role).toBe('customer');
      expect(res.body.user.app_metadata).toEqual({ provider: 'email', providers: ['email'], role: 'customer', customer_id: 42 });
      const claims = await verifyAccessToken(SECRET, res.body.access_token);
      expect(claims.role).toBe('customer');
      expect(claims.app_metadata).toMatchObject({ customer_id: 42 });
      expect(await rows(`select mood from notes where body = '${email}'`)).toEqual([{ mood: 'signup' }]);
      // The role survives a refresh and a login.
      expect((await verifyAccessToken(SECRET, (await refresh(res.body.refresh_token, hooked)).body.access_token)).role).toBe('customer');
      expect((await login(email, PASSWORD, hooked)).body.user.role).toBe('customer');

      for (const data of [{ refuse: true }, { failAfterInsert: true }]) {
        const refused = freshEmail('refused');
        const r = await signUp(refused, PASSWORD, data, hooked);
        expect(r.status).toBe(422);
        expect(r.body).toEqual({ code: 422, error_code: 'validation_failed', msg: 'Sign-up was refused' });
        expect(r.text).not.toMatch(/thanks|mind/);
        expect(await rows(`select id from ${auth.tables.users} where email = '${refused}'`)).toEqual([]);
        expect(await rows(`select mood from notes where body = '${refused}'`)).toEqual([]);
      }
    });

    it('logs neither passwords, hashes nor tokens, even when a sign-up hook fails in the database', async () => {
      const lines: string[] = [];
      const logged = await another(
        {
          onSignup: async (account, db) => {
            if (account.userMetadata.broken) await db.insertInto('no_such_table').values({ x: 1 }).execute();
          },
        },
        undefined,
        lines,
      );
      const email = freshEmail('logs');
      const s = (await signUp(email, PASSWORD, undefined, logged)).body;
      const l = (await login(email, PASSWORD, logged)).body;
      await login(email, 'wrong password here', logged);
      const r = (await refresh(l.refresh_token, logged)).body;
      await refresh(l.refresh_token, logged); // a replay
      await logged.call('GET', '/auth/v1/user', { token: r.access_token });
      await logged.call('POST', '/auth/v1/logout', { token: s.access_token });
      const broken = await signUp(freshEmail('broken'), 'the broken one', { broken: true }, logged);
      expect(broken.status).toBe(422);
      const text = lines.join('\n');
      expect(text).toContain('auth: Sign-up was refused');
      expect(lines.length).toBeGreaterThan(10);
      const [user] = await rows(`select password_hash from ${auth.tables.users} where email = '${email}'`);
      const secrets = [PASSWORD, 'wrong password here', 'the broken one', String(user.password_hash), s.refresh_token, l.refresh_token, r.refresh_token, sha256(l.refresh_token)];
      secrets.push(s.access_token, l.access_token, r.access_token, s.access_token.split('.')[2]);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/scrypt\$/);
    });

    it('refuses sign-ups when disabled, and serves settings and health', async () => {
      const closed = await another({ signup: false });
      const res = await signUp(freshEmail(), PASSWORD, undefined, closed);
      expect(res.status).toBe(422);
      expect(res.body.error_code).toBe('signup_disabled');
      const settings = await closed.call('GET', '/auth/v1/settings');
      expect(settings.status).toBe(200);
      expect(settings.body).toMatchObject({ disable_signup: true, mailer_autoconfirm: true, external: { email: true } });
      expect((await auth.call('GET', '/auth/v1/settings')).body.disable_signup).toBe(false);
      expect((await auth.call('GET', '/auth/v1/health')).status).toBe(200);
    });

    it('limits failed logins per account and attempts per address with 429 and Retry-After', async () => {
      const limited = await another({ rateLimit: { perIp: { max: 8, windowSeconds: 60 }, perAccount: { max: 3, windowSeconds: 60 } } });
      const email = freshEmail('brute');
      expect((await signUp(email, PASSWORD, undefined, limited)).status).toBe(200);
      const attempts = [];
      for (let i = 0; i < 3; i++) attempts.push((await login(email, `guess ${i}`, limited)).status);
      expect(attempts).toEqual([400, 400, 400]);
      // Even the right password is refused now: the account is locked for the window.
      const blocked = await login(email, PASSWORD, limited);
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ code: 429, error_code: 'over_request_rate_limit' });
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another account from the same address is not locked, until the address runs out.
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await login(freshEmail('spray'), 'whatever 1', limited)).status);
      expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
      expect(statuses.at(-1)).toBe(429);
      // A different address is still served.
      expect((await limited.call('POST', '/auth/v1/token?grant_type=password', { body: { email, password: 'x' }, ip: '10.1.2.3' })).status).toBe(429);
      expect((await limited.call('POST', '/auth/v1/token?grant_type=password', { body: { email: freshEmail(), password: 'x' }, ip: '10.1.2.3' })).status).toBe(400);
      const signup = await limited.call('POST', '/auth/v1/signup', { body: { email: freshEmail(), password: PASSWORD } });
      expect(signup.status).toBe(429);
    });

    it('creates its tables once, even when two servers start on an empty database together', async () => {
      const fresh = await engine.create('conformance');
      const [one, two] = await Promise.all([startAuthApp(fresh), startAuthApp(fresh)]);
      try {
        const results = await Promise.all([signUp(freshEmail(), PASSWORD, undefined, one), signUp(freshEmail(), PASSWORD, undefined, two), signUp(freshEmail(), PASSWORD, undefined, one)]);
        expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
        const users = await fresh.query(`select count(*) as n from ${one.tables.users}`);
        expect(users[0].n).toBe(3);
      } finally {
        await one.close();
        await two.close();
        await fresh.drop();
      }
    });
  });
}
