/**
 * What a data route does with a request, whoever received it (Fastify's route or the direct
 * lane): decide the caller, apply the anonymous policy, run the pipeline. And the one way an
 * error becomes an HTTP answer.
 */
import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import { rowgateError } from '../errors/catalog.js';
import type { RowgateError } from '../errors/rowgate-error.js';
import type { Caller } from '../actions/define-action.js';
import type { HttpInput } from '../request/api-request.js';
import type { RenderedResponse } from '../response/render-response.js';
import { toRowgateError } from './error-reply.js';
import { handleRequest } from './handle-request.js';
import type { Runtime } from './runtime.js';

/** Where the data API is mounted: at the root (PostgREST) and under /rest/v1 (where supabase-js looks). */
export const MOUNTS = ['', '/rest/v1'] as const;
export const DATA_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'] as const;

/**
 * `url` is the raw request URL; its first `strip` characters are the mount (and any plugin prefix).
 * Without auth there is nothing to wait for before the pipeline, so no extra promise either, and a
 * read the engine answers at once comes back as the answer itself (handleRequest).
 */
export function answerData(
  runtime: Runtime,
  method: string,
  url: string,
  strip: number,
  headers: HttpInput['headers'],
  body: string | null,
  log: FastifyBaseLogger | undefined,
): RenderedResponse | Promise<RenderedResponse> {
  if (!runtime.authenticator) {
    checkAnonAccess(runtime, method);
    return handleRequest(inputOf(method, url, strip, headers, body, undefined), runtime, log);
  }
  return callerOf(runtime, method, headers).then((caller) => handleRequest(inputOf(method, url, strip, headers, body, caller), runtime, log));
}

function inputOf(method: string, url: string, strip: number, headers: HttpInput['headers'], body: string | null, caller: Caller | undefined): HttpInput {
  const q = url.indexOf('?');
  const path = (q < 0 ? (strip === 0 ? url : url.slice(strip)) : url.slice(strip, q)) || '/';
  // `caller` is always a key, if undefined: an object spread that adds a key takes V8's slow path.
  return { method, path, query: q < 0 ? '' : url.slice(q + 1), headers, body, caller };
}

/** Who asks: the authenticated caller, or undefined for an anonymous request the policy lets through. */
export async function callerOf(runtime: Runtime, method: string, headers: HttpInput['headers']): Promise<Caller | undefined> {
  const caller = runtime.authenticator ? await runtime.authenticator.authenticate(headers) : undefined;
  if (!caller) checkAnonAccess(runtime, method);
  return caller;
}

/** Without auth configured the `anon` option is the whole policy: read-only or no access at all. */
function checkAnonAccess(runtime: Runtime, method: string): void {
  const anon = runtime.options.anon;
  if (anon === 'write') return;
  if (anon === 'none') throw rowgateError('PGRST302', 'Anonymous access is disabled', { headers: { 'www-authenticate': 'Bearer' } });
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
    throw rowgateError('42501', 'permission denied: anonymous callers may only read', { headers: { 'www-authenticate': 'Bearer' } });
  }
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Any thrown value as the answer: PostgREST's JSON body; a 5xx's cause goes to the log, never out. */
export function errorAnswer(error: unknown, log: FastifyBaseLogger | undefined): { readonly error: RowgateError; readonly body: string } {
  const e = toRowgateError(error);
  if (e.status >= 500) log?.error({ err: e.cause ?? error, code: e.code }, e.message);
  return { error: e, body: JSON.stringify(e) };
}

/** The id of a request in the log: the client's X-Request-Id (cut to 64 characters), or a new one. */
export function requestIdOf(headers: HttpInput['headers']): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' ? given.slice(0, 64) : nextRequestId();
}

/** A random prefix per process and a counter: unique without a UUID each. */
const ID_PREFIX = randomUUID().slice(0, 8);
let requestCounter = 0;
function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${ID_PREFIX}-${requestCounter.toString(36)}`;
}
