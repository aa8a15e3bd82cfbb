/**
 * The JSON rowgate answers /auth/v1 with, in Supabase Auth's shapes (auth-js's `User` and `Session`
 * types), built from stored records. The only place a stored user becomes a response: the password
 * hash has no way out of here.
 */
import type { UserRecord } from './account-store.js';

export const AUDIENCE = 'authenticated';
export const DEFAULT_ROLE = 'authenticated';

/** A role a sign-up hook may give through `app_metadata.role`: an identifier, nothing else. */
const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

/** The account's role: `app_metadata.role` when the sign-up hook set one, else `authenticated`. */
export function roleOf(user: Pick<UserRecord, 'appMetadata'>): string {
  const role = user.appMetadata.role;
  return typeof role === 'string' && ROLE_NAME.test(role) ? role : DEFAULT_ROLE;
}

/** auth-js `User`. Email confirmation is not implemented, so an address counts as confirmed at sign-up. */
export interface UserJson {
  readonly id: string;
  readonly aud: string;
  readonly role: string;
  readonly email: string;
  readonly email_confirmed_at: string;
  readonly phone: string;
  readonly confirmed_at: string;
  readonly last_sign_in_at: string | null;
  readonly app_metadata: Record<string, unknown>;
  readonly user_metadata: Record<string, unknown>;
  readonly identities: readonly unknown[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly is_anonymous: boolean;
}

export function userJson(user: UserRecord): UserJson {
  return {
    id: user.id,
    aud: AUDIENCE,
    role: roleOf(user),
    email: user.email,
    email_confirmed_at: user.createdAt,
    phone: '',
    confirmed_at: user.createdAt,
    last_sign_in_at: user.lastSignInAt,
    app_metadata: user.appMetadata,
    user_metadata: user.userMetadata,
    identities: [],
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    is_anonymous: false,
  };
}

/** auth-js `Session`, as /signup and /token answer it. */
export interface SessionJson {
  readonly access_token: string;
  readonly token_type: 'bearer';
  readonly expires_in: number;
  readonly expires_at: number;
  readonly refresh_token: string;
  readonly user: UserJson;
}

export function sessionJson(user: UserRecord, tokens: { accessToken: string; expiresIn: number; expiresAt: number; refreshToken: string }): SessionJson {
  return {
    access_token: tokens.accessToken,
    token_type: 'bearer',
    expires_in: tokens.expiresIn,
    expires_at: tokens.expiresAt,
    refresh_token: tokens.refreshToken,
    user: userJson(user),
  };
}
