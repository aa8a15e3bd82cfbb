/**
 * What the /auth/v1 routes do, without HTTP: sign-up, the password and refresh-token grants,
 * logout, reading and updating the signed-in user. Each method takes the parsed body (and the
 * caller's address or bearer token) and returns the JSON to send, or throws an `AuthError`.
 *
 * Token lifecycle: a login opens a session (a random id, carried as `session_id` in the access
 * token) with its first refresh token. Each refresh grant marks the presented token rotated and
 * issues a child in the same session, atomically, so of two requests presenting one token only
 * one wins. A rotated token presented again is a replay (stolen, or a client that lost the
 * answer): every token of the session is revoked and the caller gets 401. Logout revokes one
 * session, all of the user's, or all but the current one. Access tokens are stateless JWTs and
 * stay valid until they expire (default one hour); GET /user additionally checks the session.
 *
 * Slow work (scrypt) happens outside transactions: on SQLite a write transaction holds the one
 * writer connection, and nobody else should wait for a password hash.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Dialect } from '../../dialect/dialect.js';
import type { AuthConfig } from '../auth-config.js';
import { signAccessToken, verifyAccessToken, type AccessClaims } from '../session-token.js';
import { AuthRateLimiter, RateLimitedError, type RateLimitStore } from '../rate-limit.js';
import type { AccountStore, AccountTx, UserRecord } from './account-store.js';
import { AuthError, authErrors } from './auth-errors.js';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords.js';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh-tokens.js';
import {
  MAX_METADATA_BYTES,
  MAX_REFRESH_TOKEN_LENGTH,
  isPlainObject,
  optionalString,
  passwordLength,
  readEmail,
  readMetadata,
  readPassword,
  requiredString,
  type JsonObject,
} from './request-body.js';
import { roleOf, sessionJson, userJson, type SessionJson, type UserJson } from './wire-shapes.js';

export const DEFAULT_ACCESS_TOKEN_TTL = 3600;
export const DEFAULT_REFRESH_TOKEN_TTL = 30 * 24 * 3600;
export const DEFAULT_MIN_PASSWORD_LENGTH = 8;
/** What the sign-up hook may add to `app_metadata`, as JSON. */
const MAX_APP_METADATA_BYTES = 16 * 1024;
/** Bearer tokens longer than this are not ours. */
const MAX_BEARER_LENGTH = 16 * 1024;

export type LogoutScope = 'global' | 'local' | 'others';

export interface AccountsSettings {
  readonly secret: string;
  readonly config: AuthConfig;
  /** Where rate-limit counters live; memory of this process by default. */
  readonly rateLimitStore?: RateLimitStore;
  /** The clock, for tests. */
  readonly now?: () => Date;
}

/** The sign-up hook threw: wrapped so the transaction rolls back and the cause reaches the log. */
class HookRefusal extends Error {
  constructor(override readonly cause: unknown) {
    super('sign-up hook refused');
  }
}

/** A replay was detected inside the transaction, which must commit the revocation before answering. */
const REPLAYED = Symbol('replayed');

export class Accounts {
  readonly limiter: AuthRateLimiter;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly minPasswordLength: number;
  readonly signupEnabled: boolean;
  private readonly now: () => Date;

  constructor(
    private readonly dialect: Pick<Dialect, 'translateError'>,
    readonly store: AccountStore,
    private readonly settings: AccountsSettings,
  ) {
    const { config } = settings;
    this.limiter = new AuthRateLimiter(config.rateLimit ?? {}, settings.rateLimitStore);
    this.accessTokenTtl = config.accessTokenTtl ?? DEFAULT_ACCESS_TOKEN_TTL;
    this.refreshTokenTtl = config.refreshTokenTtl ?? DEFAULT_REFRESH_TOKEN_TTL;
    this.minPasswordLength = config.minPasswordLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
    this.signupEnabled = config.signup !== false;
    this.now = settings.now ?? (() => new Date());
  }

  /** POST /signup: a new account and its first session (no email confirmation step). */
  async signUp(body: JsonObject, ip: string): Promise<SessionJson> {
    await this.limit(() => this.limiter.attemptFrom(ip));
    if (!this.signupEnabled) throw authErrors.signupDisabled();
    const email = readEmail(body);
    const password = readPassword(body, () => authErrors.validation('Signup requires a valid password', 422));
    const userMetadata = readMetadata(body) ?? {};
    await this.limit(() => this.limiter.checkAccount('signup', email));
    await this.limiter.countAccount('signup', email);
    if (passwordLength(password) < this.minPasswordLength) throw authErrors.weakPassword(this.minPasswordLength);

    const passwordHash = await hashPassword(password);
    const at = this.now().toISOString();
    const user: UserRecord = {
      id: randomUUID(),
      email,
      passwordHash,
      appMetadata: { provider: 'email', providers: ['email'] },
      userMetadata,
      createdAt: at,
      updatedAt: at,
      lastSignInAt: at,
    };
    const hook = this.settings.config.onSignup;
    let issued: { user: UserRecord; refreshToken: string; sessionId: string };
    try {
      issued = await this.store.write(async (tx) => {
        if (await tx.userByEmail(email)) throw authErrors.userExists();
        await tx.insertUser(user);
        let created = user;
        if (hook) {
          const added = await runHook(hook, { id: user.id, email, userMetadata: Object.freeze({ ...userMetadata }) }, tx.db);
          if (added) {
            created = { ...user, appMetadata: { ...user.appMetadata, ...added } };
            await tx.updateUser(user.id, { appMetadata: created.appMetadata });
          }
        }
        const { refreshToken, sessionId } = await this.openSession(tx, created.id, at);
        return { user: created, refreshToken, sessionId };
      });
    } catch (e) {
      if (e instanceof AuthError) throw e;
      if (e instanceof HookRefusal) throw this.databaseFailure(e.cause) ?? authErrors.signupRefused(e.cause);
      // Two sign-ups with one address at once: the unique constraint lets exactly one through.
      if (this.dialect.translateError(e)?.kind === 'unique') throw authErrors.userExists();
      throw this.databaseFailure(e) ?? e;
    }
    return this.session(issued.user, issued.sessionId, issued.refreshToken);
  }

  /** POST /token?grant_type=password. Unknown address and wrong password answer alike. */
  async signInWithPassword(body: JsonObject, ip: string): Promise<SessionJson> {
    await this.limit(() => this.limiter.attemptFrom(ip));
    const email = readEmail(body);
    const password = readPassword(body, () => authErrors.validation('A password is required'));
    await this.limit(() => this.limiter.checkAccount('login', email));

    const found = await this.db(() => this.store.read((tx) => tx.userByEmail(email)));
    const valid = found ? await verifyPassword(password, found.passwordHash) : await verifyAgainstDecoy(password);
    if (!found || !valid) {
      await this.limiter.countAccount('login', email);
      throw authErrors.invalidCredentials();
    }
    await this.limiter.clearAccount('login', email);

    const at = this.now().toISOString();
    const { refreshToken, sessionId } = await this.db(() =>
      this.store.write(async (tx) => {
        await tx.updateUser(found.id, { lastSignInAt: at });
        await tx.pruneExpired(found.id, at);
        return this.openSession(tx, found.id, at);
      }),
    );
    return this.session({ ...found, lastSignInAt: at }, sessionId, refreshToken);
  }

  /** POST /token?grant_type=refresh_token: rotates the token; a replay revokes its whole family. */
  async refresh(body: JsonObject): Promise<SessionJson> {
    const presented = requiredString(body, 'refresh_token', MAX_REFRESH_TOKEN_LENGTH, () => authErrors.validation('refresh_token required'));
    if (!looksLikeRefreshToken(presented)) throw authErrors.refreshNotFound();
    const tokenHash = hashRefreshToken(presented);
    const at = this.now().toISOString();
    const outcome = await this.db(() =>
      this.store.write(async (tx) => {
        const token = await tx.tokenByHash(tokenHash);
        if (!token) return null;
        if (token.rotatedAt !== null) {
          await tx.revokeSession(token.userId, token.sessionId);
          return REPLAYED;
        }
        if (token.revoked || token.expiresAt <= at) return null;
        // Lost a race with another request presenting the same token: that is a replay too.
        if (!(await tx.markRotated(token, at))) {
          await tx.revokeSession(token.userId, token.sessionId);
          return REPLAYED;
        }
        const user = await tx.userById(token.userId);
        if (!user) return null;
        const refreshToken = newRefreshToken();
        await tx.insertToken({
          tokenHash: hashRefreshToken(refreshToken),
          sessionId: token.sessionId,
          userId: token.userId,
          parentHash: token.tokenHash,
          createdAt: at,
          expiresAt: this.refreshExpiry(at),
        });
        return { user, refreshToken, sessionId: token.sessionId };
      }),
    );
    if (outcome === REPLAYED) throw authErrors.refreshReused();
    if (!outcome) throw authErrors.refreshNotFound();
    return this.session(outcome.user, outcome.sessionId, outcome.refreshToken);
  }

  /** POST /logout?scope=: revokes refresh tokens; the access token itself lives until it expires. */
  async logout(authorization: string | undefined, scope: string | undefined): Promise<void> {
    const claims = await this.claimsOf(authorization);
    const chosen = scope === undefined || scope === '' ? 'local' : scope;
    if (chosen !== 'local' && chosen !== 'global' && chosen !== 'others') throw authErrors.validation('scope must be one of global, local, others');
    await this.db(() =>
      this.store.write(async (tx) => {
        if (chosen === 'local') await tx.revokeSession(claims.sub, claims.session_id);
        else await tx.revokeUserSessions(claims.sub, chosen === 'others' ? claims.session_id : null);
      }),
    );
  }

  /** GET /user: the account behind a valid access token whose session is still open. */
  async currentUser(authorization: string | undefined): Promise<UserJson> {
    const claims = await this.claimsOf(authorization);
    const user = await this.liveUser(claims);
    return userJson(user);
  }

  /**
   * PUT /user: a new password and/or `data` merged into user_metadata (a null value removes the
   * key). A new password signs out the user's other sessions. Changing the email address needs
   * confirmation mail, which rowgate does not send, so it is refused.
   */
  async updateUser(authorization: string | undefined, body: JsonObject): Promise<UserJson> {
    const claims = await this.claimsOf(authorization);
    const email = optionalString(body, 'email', 1024);
    const password =
      body.password === undefined || body.password === null
        ? undefined
        : readPassword(body, () => authErrors.validation('password must not be empty', 422));
    const data = readMetadata(body);
    const user = await this.liveUser(claims);
    if (email !== undefined && email.trim().toLowerCase() !== user.email) {
      throw authErrors.validation('Changing the email address is not supported', 422);
    }
    let passwordHash: string | undefined;
    if (password !== undefined) {
      if (passwordLength(password) < this.minPasswordLength) throw authErrors.weakPassword(this.minPasswordLength);
      if (await verifyPassword(password, user.passwordHash)) throw authErrors.samePassword();
      passwordHash = await hashPassword(password);
    }
    let userMetadata: Record<string, unknown> | undefined;
    if (data !== undefined) {
      // Through a Map, so a `__proto__` key is an ordinary key, never a prototype assignment.
      const merged = new Map(Object.entries(user.userMetadata));
      for (const [key, value] of Object.entries(data)) {
        if (value === null) merged.delete(key);
        else merged.set(key, value);
      }
      userMetadata = Object.fromEntries(merged);
      if (Buffer.byteLength(JSON.stringify(userMetadata), 'utf8') > MAX_METADATA_BYTES) {
        throw authErrors.validation(`data is larger than ${MAX_METADATA_BYTES} bytes`);
      }
    }
    if (passwordHash === undefined && userMetadata === undefined) return userJson(user);
    const at = this.now().toISOString();
    const updated = await this.db(() =>
      this.store.write(async (tx) => {
        await tx.updateUser(user.id, { passwordHash, userMetadata, updatedAt: at });
        if (passwordHash !== undefined) await tx.revokeUserSessions(user.id, claims.session_id);
        return tx.userById(user.id);
      }),
    );
    if (!updated) throw authErrors.userNotFound();
    return userJson(updated);
  }

  /** GET /settings, in Supabase Auth's shape: email sign-up only, autoconfirmed. */
  settingsJson(): Record<string, unknown> {
    return {
      external: { anonymous_users: false, email: true, phone: false },
      disable_signup: !this.signupEnabled,
      mailer_autoconfirm: true,
      phone_autoconfirm: false,
      sms_provider: '',
      saml_enabled: false,
      password_min_length: this.minPasswordLength,
    };
  }

  /** The claims of a valid rowgate access token in `Authorization: Bearer …`, else 401. */
  async claimsOf(authorization: string | undefined): Promise<AccessClaims> {
    if (authorization === undefined || authorization.trim() === '') throw authErrors.noAuthorization();
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match || match[1].length > MAX_BEARER_LENGTH) throw authErrors.badJwt();
    let claims: AccessClaims;
    try {
      claims = await verifyAccessToken(this.settings.secret, match[1]);
    } catch {
      throw authErrors.badJwt();
    }
    if (typeof claims.sub !== 'string' || typeof claims.session_id !== 'string') throw authErrors.badJwt();
    return claims;
  }

  private async liveUser(claims: AccessClaims): Promise<UserRecord> {
    const at = this.now().toISOString();
    const found = await this.db(() =>
      this.store.read(async (tx) => {
        const user = await tx.userById(claims.sub);
        return { user, alive: user ? await tx.sessionAlive(user.id, claims.session_id, at) : false };
      }),
    );
    if (!found.user) throw authErrors.userNotFound();
    if (!found.alive) throw authErrors.sessionNotFound();
    return found.user;
  }

  /** A new session with its first refresh token, inside the caller's transaction. */
  private async openSession(tx: AccountTx, userId: string, at: string): Promise<{ refreshToken: string; sessionId: string }> {
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken();
    await tx.insertToken({ tokenHash: hashRefreshToken(refreshToken), sessionId, userId, parentHash: null, createdAt: at, expiresAt: this.refreshExpiry(at) });
    return { refreshToken, sessionId };
  }

  private refreshExpiry(at: string): string {
    return new Date(Date.parse(at) + this.refreshTokenTtl * 1000).toISOString();
  }

  private async session(user: UserRecord, sessionId: string, refreshToken: string): Promise<SessionJson> {
    const accessToken = await signAccessToken(
      this.settings.secret,
      {
        sub: user.id,
        role: roleOf(user),
        email: user.email,
        phone: '',
        session_id: sessionId,
        app_metadata: user.appMetadata,
        user_metadata: user.userMetadata,
      },
      this.accessTokenTtl,
    );
    const exp = decodeJwt(accessToken).exp ?? Math.floor(Date.now() / 1000) + this.accessTokenTtl;
    return sessionJson(user, { accessToken, expiresIn: this.accessTokenTtl, expiresAt: exp, refreshToken });
  }

  /** Rate-limit refusals as 429s. */
  private async limit(check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (e) {
      if (e instanceof RateLimitedError) throw authErrors.rateLimited(e.retryAfterSeconds);
      throw e;
    }
  }

  /** Database work whose failures become 503 (unreachable, busy) or stay as they are (500 later). */
  private async db<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof AuthError) throw e;
      throw this.databaseFailure(e) ?? e;
    }
  }

  private databaseFailure(e: unknown): AuthError | null {
    const kind = this.dialect.translateError(e)?.kind;
    return kind === 'unavailable' || kind === 'busy' || kind === 'timeout' ? authErrors.unavailable(e) : null;
  }
}

/** Runs the sign-up hook; what it returns must be a JSON object of bounded size, or nothing. */
async function runHook(
  hook: NonNullable<AuthConfig['onSignup']>,
  account: { id: string; email: string; userMetadata: Readonly<Record<string, unknown>> },
  db: AccountTx['db'],
): Promise<Record<string, unknown> | null> {
  let result: unknown;
  try {
    result = await hook(account, db);
  } catch (e) {
    throw new HookRefusal(e);
  }
  if (result === undefined || result === null) return null;
  if (!isPlainObject(result)) throw new HookRefusal(new TypeError('onSignup must return an object (added to app_metadata) or nothing'));
  let text: string;
  try {
    text = JSON.stringify(result);
  } catch (e) {
    throw new HookRefusal(e);
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_APP_METADATA_BYTES) {
    throw new HookRefusal(new RangeError(`onSignup returned more than ${MAX_APP_METADATA_BYTES} bytes`));
  }
  return JSON.parse(text) as Record<string, unknown>;
}

