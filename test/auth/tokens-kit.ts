/**
 * Makes tokens for the token tests, good and hostile, with node:crypto directly so that tokens no
 * JWT library would sign (alg none, wrong curve, bad crit, embedded keys) can be built too.
 * Every key is generated at run time; nothing is written to the repository.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { RowgateError } from '../../src/errors/rowgate-error.js';

export const ISSUER = 'https://issuer.example.com/';
export const AUDIENCE = 'rowgate-api';

export const now = (): number => Math.floor(Date.now() / 1000);

export function b64u(part: unknown): string {
  return Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
}

export type Json = Record<string, unknown>;

/** The claims of a good external token, with `extra` on top (undefined values removed). */
export function claims(extra: Json = {}): Json {
  const t = now();
  const all: Json = { iss: ISSUER, aud: AUDIENCE, sub: 'user-42', iat: t, exp: t + 300, ...extra };
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  return all;
}

function signingInput(header: unknown, payload: unknown): string {
  return `${b64u(header)}.${b64u(payload)}`;
}

export function hs256(secret: string | Uint8Array, payload: unknown, header: Json = {}): string {
  const input = signingInput({ alg: 'HS256', typ: 'JWT', ...header }, payload);
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function hs512(secret: string, payload: unknown, header: Json = {}): string {
  const input = signingInput({ alg: 'HS512', typ: 'JWT', ...header }, payload);
  return `${input}.${createHmac('sha512', secret).update(input).digest('base64url')}`;
}

export function rs256(key: KeyObject, payload: unknown, header: Json = {}): string {
  const input = signingInput({ alg: 'RS256', typ: 'JWT', ...header }, payload);
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** ECDSA with SHA-256 in JOSE's raw r||s form; with a P-384 key this is the "wrong curve" token. */
export function es256(key: KeyObject, payload: unknown, header: Json = {}): string {
  const input = signingInput({ alg: 'ES256', typ: 'JWT', ...header }, payload);
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

export function unsigned(alg: string, payload: unknown, signature = ''): string {
  return `${signingInput({ alg, typ: 'JWT' }, payload)}.${signature}`;
}

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly pem: string;
  jwk(extra?: Json): Json;
}

function pair(p: { privateKey: KeyObject; publicKey: KeyObject }): KeyPair {
  return {
    ...p,
    pem: p.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: (extra = {}) => ({ ...p.publicKey.export({ format: 'jwk' }), ...extra }),
  };
}

export const rsaPair = (): KeyPair => pair(generateKeyPairSync('rsa', { modulusLength: 2048 }));
export const ecPair = (curve: 'prime256v1' | 'secp384r1' = 'prime256v1'): KeyPair => pair(generateKeyPairSync('ec', { namedCurve: curve }));

export const randomSecret = (): string => randomBytes(32).toString('hex');

/** Replaces the payload of a signed token and keeps its header and signature. */
export function withPayload(token: string, payload: unknown): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64u(payload)}.${s}`;
}

/** Replaces the header of a signed token and keeps its payload and signature. */
export function withHeader(token: string, header: unknown): string {
  const [, p, s] = token.split('.');
  return `${b64u(header)}.${p}.${s}`;
}

export function decodePayload(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Json;
}

const CHALLENGE = /^Bearer error="(invalid_token|invalid_request)", error_description="[^"\\]+"$/;

/**
 * Expects a 401 catalog error with RFC 6750's challenge, and nothing of the credential echoed.
 * Returns the error for further checks.
 */
export async function expectRefused(
  attempt: Promise<unknown>,
  secrets: readonly string[],
  expected: { code?: 'PGRST301' | 'PGRST303'; kind?: 'invalid_token' | 'invalid_request' } = {},
): Promise<RowgateError> {
  let error: unknown;
  try {
    const caller = await attempt;
    error = new Error(`accepted, as ${JSON.stringify(caller)}`);
  } catch (e) {
    error = e;
  }
  expect(error, String(error)).toBeInstanceOf(RowgateError);
  const e = error as RowgateError;
  expect(e.status).toBe(401);
  expect(['PGRST301', 'PGRST303']).toContain(e.code);
  if (expected.code) expect(e.code).toBe(expected.code);
  const challenge = e.headers['WWW-Authenticate'];
  expect(challenge).toMatch(CHALLENGE);
  if (expected.kind) expect(challenge).toContain(`error="${expected.kind}"`);
  const shown = JSON.stringify(e.toJSON()) + challenge;
  for (const s of secrets) if (s.length >= 8) expect(shown).not.toContain(s);
  return e;
}
