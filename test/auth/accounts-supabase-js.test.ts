/**
 * @supabase/supabase-js's auth client, unchanged, against rowgate's /auth/v1 over real HTTP on
 * every engine: the errors it surfaces (codes and classes), sign-up, sign-in, the user, refresh,
 * update, getClaims and sign-out.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { startAuthApp, type AuthApp } from './accounts-harness.js';

const PASSWORD = 'supabase js password';

class NoWebSocket {
  constructor() {
    throw new Error('no realtime in this test');
  }
}

for (const engine of selectedEngines()) {
  const reason = await engine.unavailable();
  if (reason) console.warn(`accounts with supabase-js: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: supabase-js auth against /auth/v1`, () => {
    let database: EngineDatabase;
    let auth: AuthApp;
    let url: string;
    const client = (): SupabaseClient =>
      createClient(url, 'anon-key-not-checked-by-accounts', {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        // Node 20 has no WebSocket; realtime is not used here, so a stand-in satisfies its constructor.
        realtime: { transport: NoWebSocket as never },
      });

    beforeAll(async () => {
      database = await engine.create('conformance');
      auth = await startAuthApp(database, { rateLimit: { perIp: { max: 1000, windowSeconds: 60 } } });
      url = await auth.app.listen({ host: '127.0.0.1', port: 0 });
    }, 60_000);
    afterAll(async () => {
      await auth?.close();
      await database?.drop();
    });

    it('signs up, signs in, reads and updates the user, refreshes and signs out', async () => {
      const supabase = client();
      const email = `js.${Date.now()}@example.com`;
      const up = await supabase.auth.signUp({ email, password: PASSWORD, options: { data: { nickname: 'js' } } });
      expect(up.error).toBeNull();
      expect(up.data.session?.access_token).toBeTruthy();
      expect(up.data.user).toMatchObject({ email, user_metadata: { nickname: 'js' } });

      const dup = await client().auth.signUp({ email, password: PASSWORD });
      expect(dup.error).toMatchObject({ name: 'AuthApiError', status: 422, code: 'user_already_exists' });

      const weak = await client().auth.signUp({ email: `weak.${email}`, password: 'short' });
      expect(weak.error?.name).toBe('AuthWeakPasswordError');
      expect((weak.error as { reasons?: string[] }).reasons).toEqual(['length']);

      const wrong = await client().auth.signInWithPassword({ email, password: 'not it at all' });
      expect(wrong.error).toMatchObject({ status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' });

      const signedIn = await supabase.auth.signInWithPassword({ email, password: PASSWORD });
      expect(signedIn.error).toBeNull();
      const session = signedIn.data.session!;
      expect(session.expires_at).toBeGreaterThan(Date.now() / 1000);

      const me = await supabase.auth.getUser();
      expect(me.error).toBeNull();
      expect(me.data.user?.id).toBe(up.data.user?.id);

      const claims = await supabase.auth.getClaims();
      expect(claims.error).toBeNull();
      expect(claims.data?.claims.sub).toBe(up.data.user?.id);

      const updated = await supabase.auth.updateUser({ data: { nickname: 'renamed' } });
      expect(updated.error).toBeNull();
      expect(updated.data.user?.user_metadata).toEqual({ nickname: 'renamed' });

      const refreshed = await supabase.auth.refreshSession();
      expect(refreshed.error).toBeNull();
      expect(refreshed.data.session?.refresh_token).not.toBe(session.refresh_token);

      // The old refresh token is spent: presenting it is a replay, which ends the session.
      const replay = await client().auth.refreshSession({ refresh_token: session.refresh_token });
      expect(replay.error).toMatchObject({ status: 401, code: 'refresh_token_already_used' });
      const afterReplay = await supabase.auth.getUser();
      expect(afterReplay.error).not.toBeNull();

      const again = await supabase.auth.signInWithPassword({ email, password: PASSWORD });
      expect(again.error).toBeNull();
      const out = await supabase.auth.signOut();
      expect(out.error).toBeNull();
      const gone = await client().auth.refreshSession({ refresh_token: again.data.session!.refresh_token });
      expect(gone.error?.code).toBe('refresh_token_not_found');
    });
  });
}
