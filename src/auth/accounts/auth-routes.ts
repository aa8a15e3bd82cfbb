/**
 * /auth/v1 on Fastify: Supabase Auth's paths, methods and status codes, so supabase-js's auth
 * client talks to rowgate unchanged. The routes live in an encapsulated plugin of their own, with
 * their own body handling (bodies as text, parsed here), error handler and 404, so every answer
 * under /auth/v1 is in Supabase Auth's error shape, whatever the host app does elsewhere.
 *
 * Nothing here logs a body, a query string or a header: they carry passwords and tokens.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from './accounts.js';
import { AuthError, authErrors } from './auth-errors.js';
import { readJsonObject } from './request-body.js';

export const AUTH_PREFIX = '/auth/v1';

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerAuthRoutes(app: FastifyInstance, accounts: Accounts): void {
  void app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.setErrorHandler((error, req, reply) => sendError(req, reply, toAuthError(error)));
      scope.setNotFoundHandler((req, reply) => sendError(req, reply, authErrors.notFound(req.url.split('?', 1)[0])));

      scope.post('/signup', (req, reply) => answer(req, reply, 200, () => accounts.signUp(readJsonObject(req.body), req.ip)));

      scope.post('/token', (req, reply) =>
        answer(req, reply, 200, () => {
          const grant = queryParam(req, 'grant_type');
          if (grant === 'password') return accounts.signInWithPassword(readJsonObject(req.body), req.ip);
          if (grant === 'refresh_token') return accounts.refresh(readJsonObject(req.body));
          throw authErrors.unsupportedGrant();
        }),
      );

      scope.post('/logout', (req, reply) =>
        answer(req, reply, 204, () => accounts.logout(header(req, 'authorization'), queryParam(req, 'scope'))),
      );

      scope.get('/user', (req, reply) => answer(req, reply, 200, () => accounts.currentUser(header(req, 'authorization'))));
      scope.put('/user', (req, reply) =>
        answer(req, reply, 200, () => accounts.updateUser(header(req, 'authorization'), readJsonObject(req.body))),
      );

      scope.get('/settings', (req, reply) => answer(req, reply, 200, async () => accounts.settingsJson()));
      scope.get('/health', (req, reply) =>
        answer(req, reply, 200, async () => ({ name: 'rowgate', description: 'rowgate accounts: Supabase Auth compatible sign-up and tokens' })),
      );
      // rowgate signs with HS256 (a shared secret), which is never published: the set is empty,
      // and auth-js's getClaims() then asks GET /user, as it does with Supabase's symmetric keys.
      scope.get('/.well-known/jwks.json', (req, reply) => answer(req, reply, 200, async () => ({ keys: [] })));
    },
    { prefix: AUTH_PREFIX },
  );
}

async function answer(req: FastifyRequest, reply: FastifyReply, status: number, work: () => Promise<unknown>): Promise<FastifyReply> {
  let result: unknown;
  try {
    result = await work();
  } catch (e) {
    return sendError(req, reply, toAuthError(e));
  }
  void reply.code(status).header('cache-control', 'no-store');
  if (status === 204) return reply.send();
  return reply.type(JSON_TYPE).send(JSON.stringify(result));
}

function sendError(req: FastifyRequest, reply: FastifyReply, error: AuthError): FastifyReply {
  if (error.cause !== undefined) {
    const level = error.status >= 500 ? 'error' : 'warn';
    req.log[level]({ cause: loggable(error.cause), code: error.errorCode, status: error.status }, `auth: ${error.message}`);
  }
  return reply
    .code(error.status)
    .headers({ ...error.headers, 'cache-control': 'no-store' })
    .type(JSON_TYPE)
    .send(JSON.stringify(error));
}

/**
 * A cause as it may be logged: its name, message, code and stack only. Driver errors carry more
 * (mysql2 puts the statement with its values interpolated in `sql`), and those values include
 * password and refresh-token hashes.
 */
function loggable(cause: unknown): Record<string, unknown> {
  if (!(cause instanceof Error)) return { message: String(cause).slice(0, 500) };
  const code = (cause as { code?: unknown }).code;
  return {
    name: cause.name,
    message: cause.message.slice(0, 500),
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    stack: cause.stack,
  };
}

/** Our own errors as they are; Fastify's client errors (body too large, bad framing) as 4xx; the rest 500. */
function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = status === 413 ? 'Request body is too large' : 'Bad request';
    return new AuthError(status, 'validation_failed', message);
  }
  return authErrors.unexpected(error);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** One query parameter; repeated or absent is undefined. */
function queryParam(req: FastifyRequest, name: string): string | undefined {
  const value = (req.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
