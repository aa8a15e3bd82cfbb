/**
 * The JSON bodies of /auth/v1 requests, read by hand: the app hands every route its body as text
 * (server/app.ts, bindBodyAsText). Anything malformed is the client's 400, never a 5xx, and every
 * field is capped before it reaches scrypt, a token or the database.
 */
import { authErrors } from './auth-errors.js';

/** RFC 5321 caps an address at 254 characters. */
export const MAX_EMAIL_LENGTH = 254;
/** Longer passwords are refused rather than hashed: scrypt's cost grows with the input. */
export const MAX_PASSWORD_BYTES = 1024;
/** `data` (user_metadata) as JSON; it travels in every access token, so it stays small. */
export const MAX_METADATA_BYTES = 8 * 1024;
/** A refresh token is 43 characters; anything much longer is junk. */
export const MAX_REFRESH_TOKEN_LENGTH = 512;

/** Supabase Auth's own pattern for addresses (the WHATWG one, as GoTrue checks them). */
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export type JsonObject = Record<string, unknown>;

/** The body as a JSON object; no body at all is `{}`. */
export function readJsonObject(body: unknown): JsonObject {
  let value: unknown = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw authErrors.badJson((e as Error).message.slice(0, 200));
    }
  }
  if (!isPlainObject(value)) throw authErrors.badJson('expected a JSON object');
  return value;
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field or undefined when absent (null counts as absent); anything else is a 400. */
export function optionalString(body: JsonObject, field: string, maxLength: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw authErrors.validation(`${field} must be a string`);
  if (value.length > maxLength) throw authErrors.validation(`${field} is too long`);
  return value;
}

/** The address trimmed and lowercased, as accounts are keyed; 400 when it is not an address. */
export function readEmail(body: JsonObject): string {
  const raw = optionalString(body, 'email', MAX_EMAIL_LENGTH + 64);
  if (raw === undefined || raw.trim() === '') throw authErrors.validation('An email address is required');
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH) throw authErrors.validation('An email address is too long');
  if (!EMAIL.test(email)) throw authErrors.invalidEmail();
  return email;
}

/** The password as sent (never trimmed); `missing()` when absent, 422 when longer than scrypt should take. */
export function readPassword(body: JsonObject, missing: () => Error): string {
  const value = body.password;
  if (value === undefined || value === null || value === '') throw missing();
  if (typeof value !== 'string') throw authErrors.validation('password must be a string');
  if (value.length > MAX_PASSWORD_BYTES || Buffer.byteLength(value, 'utf8') > MAX_PASSWORD_BYTES) {
    throw authErrors.validation(`Password cannot be longer than ${MAX_PASSWORD_BYTES} bytes`, 422);
  }
  return value;
}

/** Length in characters (code points), as people count them. */
export function passwordLength(password: string): number {
  let n = 0;
  for (const _ of password) n++;
  return n;
}

/** `data` of sign-up and user updates: a JSON object of bounded size, or undefined. */
export function readMetadata(body: JsonObject, field = 'data'): JsonObject | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw authErrors.validation(`${field} must be a JSON object`);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    // Nesting deep enough to exhaust the stack.
    throw authErrors.validation(`${field} is nested too deeply`);
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_METADATA_BYTES) {
    throw authErrors.validation(`${field} is larger than ${MAX_METADATA_BYTES} bytes`);
  }
  return JSON.parse(text) as JsonObject;
}

/** Reads a field that must be a string when present, for fields such as `refresh_token`. */
export function requiredString(body: JsonObject, field: string, maxLength: number, missing: () => Error): string {
  const value = optionalString(body, field, maxLength);
  if (value === undefined || value === '') throw missing();
  return value;
}
