/**
 * Errors of /auth/v1 in Supabase Auth's shape, `{"code": <status>, "error_code": "...", "msg": "..."}`,
 * which auth-js turns into `AuthApiError` with `.code` = error_code (it reads `error_code` because
 * rowgate sends no `X-Supabase-Api-Version` header; with that header it would expect `code` to be
 * the string). These are not the data API's PostgREST-shaped errors: supabase-js reads this one.
 */

/** The error codes rowgate's accounts answer with; all are in auth-js's `ErrorCode` list. */
export type AuthErrorCode =
  | 'bad_json'
  | 'validation_failed'
  | 'weak_password'
  | 'same_password'
  | 'user_already_exists'
  | 'signup_disabled'
  | 'invalid_credentials'
  | 'refresh_token_not_found'
  | 'refresh_token_already_used'
  | 'session_not_found'
  | 'no_authorization'
  | 'bad_jwt'
  | 'user_not_found'
  | 'over_request_rate_limit'
  | 'not_found'
  | 'unexpected_failure';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: AuthErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Extra top-level fields of the body (`weak_password: {reasons}`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
    /** The underlying failure, for the log only. */
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  toJSON(): Record<string, unknown> {
    return { code: this.status, error_code: this.errorCode, msg: this.message, ...this.extra };
  }
}

/** Token failures say so the OAuth way, as the data API's 401s do. */
const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' } as const;
const NO_TOKEN = { 'www-authenticate': 'Bearer' } as const;

export const authErrors = {
  badJson: (detail: string) => new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${detail}`),
  validation: (message: string, status = 400) => new AuthError(status, 'validation_failed', message),
  invalidEmail: () => new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format'),
  weakPassword: (min: number) =>
    new AuthError(422, 'weak_password', `Password should be at least ${min} characters.`, {}, { weak_password: { reasons: ['length'] } }),
  samePassword: () => new AuthError(422, 'same_password', 'New password should be different from the old password.'),
  userExists: () => new AuthError(422, 'user_already_exists', 'User already registered'),
  signupDisabled: () => new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance'),
  signupRefused: (cause: unknown) => new AuthError(422, 'validation_failed', 'Sign-up was refused', {}, {}, cause),
  invalidCredentials: () => new AuthError(400, 'invalid_credentials', 'Invalid login credentials'),
  unsupportedGrant: () => new AuthError(400, 'validation_failed', 'unsupported_grant_type'),
  refreshNotFound: () => new AuthError(401, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found', INVALID_TOKEN),
  refreshReused: () => new AuthError(401, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used', INVALID_TOKEN),
  noAuthorization: () => new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token', NO_TOKEN),
  badJwt: () => new AuthError(401, 'bad_jwt', 'invalid JWT: unable to parse or verify signature, token is invalid or expired', INVALID_TOKEN),
  sessionNotFound: () => new AuthError(401, 'session_not_found', 'Session from session_id claim in JWT does not exist', INVALID_TOKEN),
  userNotFound: () => new AuthError(401, 'user_not_found', 'User from sub claim in JWT does not exist', INVALID_TOKEN),
  rateLimited: (retryAfterSeconds: number) =>
    new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached', { 'retry-after': String(retryAfterSeconds) }),
  notFound: (path: string) => new AuthError(404, 'not_found', `Not found: ${path}`),
  unavailable: (cause: unknown) =>
    new AuthError(503, 'unexpected_failure', 'The database is unavailable, try again shortly', { 'retry-after': '5' }, {}, cause),
  unexpected: (cause: unknown) => new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check the server logs', {}, {}, cause),
};
