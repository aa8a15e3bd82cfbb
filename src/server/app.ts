/**
 * The HTTP edge, as a table of contents: Fastify set up with rowgate's limits and log line, then
 * one bind per feature. The only module that knows about Fastify and HTTP framing.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import http from 'node:http';
import { rowgateError } from '../errors/catalog.js';
import { RowgateError } from '../errors/rowgate-error.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';
import { bindDocs } from '../openapi/bind-docs.js';
import type { Runtime } from './runtime.js';
import fastifyCors from '@fastify/cors';
import type { ActionDefinition, Caller } from '../actions/define-action.js';
import type { CorsConfig } from '../auth/auth-config.js';
import { SERVICE_ROLE } from '../auth/role-schema.js';
import { bindAuthRoutes } from '../auth/accounts/index.js';
import { answerData, callerOf, DATA_METHODS, errorAnswer, JSON_TYPE, MOUNTS, requestIdOf } from './data-route.js';
import { Deadlines } from './deadlines.js';
import { DirectLane } from './direct-lane.js';

/** Fastify's default, which a server of our own must set itself. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export function buildApp(runtime: Runtime): FastifyInstance {
  const { options } = runtime;
  // Set once Fastify exists; the server is made inside Fastify's constructor, before that.
  let lane: DirectLane | null = null;
  const app = Fastify({
    // Node's server, with the data routes' plain requests taken by the direct lane (direct-lane.ts) and
    // everything else handed to Fastify.
    serverFactory: (fastifyHandler) => {
      const server = http.createServer((req, res) => {
        if (lane === null || !lane.serve(req, res)) fastifyHandler(req, res);
      });
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.requestTimeout = options.requestTimeoutMs;
      return server;
    },
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel, stream: options.logStream },
    // rowgate writes its own single line per request (bindRequestLog) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeoutMs,
    // Idle keep-alive sockets close at shutdown; requests in flight finish first.
    forceCloseConnections: 'idle',
    genReqId: (req) => requestIdOf(req.headers),
    // Requests that reach an open connection while closing are still served, not refused with a non-JSON 503.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: true },
    // A URL the router cannot take (bad percent-encoding, an overlong segment) still gets rowgate's error shape.
    frameworkErrors: (error, _req, reply) => {
      const e =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new RowgateError('PGRST125', 414, 'A path segment is longer than 2048 bytes', { hint: 'Names and keys in the path are short; filter with the query string instead.' })
          : rowgateError('PGRST100', 'The URL path is not valid percent-encoded UTF-8');
      void (reply as unknown as FastifyReply).code(e.status).type('application/json; charset=utf-8').send(JSON.stringify(e));
    },
  });
  bindRowgate(app, runtime);
  // CORS headers come from the plugin on every answer, so with CORS every request goes through Fastify.
  if (!options.cors) {
    const directLane = new DirectLane(runtime, options.logLevel === 'silent' ? null : app.log);
    app.addHook('onClose', async () => directLane.close());
    lane = directLane;
  }
  return app;
}

/** Everything rowgate serves, bound onto an app or an encapsulated plugin context. */
export function bindRowgate(app: FastifyInstance, runtime: Runtime): void {
  bindTransferCodings(app);
  bindGracefulClose(app);
  bindBodyAsText(app);
  bindRequestLog(app);
  bindErrors(app);
  bindCors(app, runtime.options.cors);
  if (runtime.accounts) bindAuthRoutes(app, runtime.accounts);
  bindOperations(app, runtime);
  bindOpenApi(app, runtime);
  bindDocs(app, { specUrl: '/_/openapi.json' });
  bindData(app, runtime);
}

/**
 * Node's parser undoes chunking only; a body with any other transfer coding (`gzip, chunked`)
 * would reach the parser still coded. RFC 9112 §6.1: refuse a coding the server does not implement.
 */
function bindTransferCodings(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const te = req.headers['transfer-encoding'];
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
      done(rowgateError('RG501', `Transfer-Encoding '${te.slice(0, 60)}' is not supported`, { hint: 'Send the body as it is, with Content-Length or chunked.' }));
      return;
    }
    done();
  });
}

/** Bodies reach the parser as text whatever their Content-Type; the parser decides what it accepts. */
function bindBodyAsText(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

/** One JSON line per request; the query string and body are left out because they carry data. */
function bindRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info(
      { method: req.method, path: req.url.split('?', 1)[0], status: reply.statusCode, ms: Number(reply.elapsedTime.toFixed(2)) },
      'request',
    );
    done();
  });
}

function bindErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, req, reply) => {
    const { error: e, body } = errorAnswer(error, req.log);
    void reply.code(e.status).headers(e.headers).type(JSON_TYPE).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = rowgateError('PGRST125', `Invalid path specified in request URL: ${req.url.split('?', 1)[0]}`);
    void reply.code(e.status).type('application/json; charset=utf-8').send(JSON.stringify(e));
  });
}

/**
 * At shutdown, a keep-alive connection whose request is still being served would stay open after
 * its answer, and close() would wait for the client to hang up. From then on such a connection is
 * closed right after its answer (no cost per request before shutdown).
 */
function bindGracefulClose(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    if (app.server) app.server.keepAliveTimeout = 1;
    done();
  });
}

function bindOperations(app: FastifyInstance, runtime: Runtime): void {
  app.get('/_/health', async () => ({ status: 'ok' }));
  app.get('/_/ready', async (_req, reply) => {
    try {
      await runtime.dialect.driver.ping();
      return { status: 'ok', schemaVersion: runtime.schema.version };
    } catch {
      return reply.code(503).header('retry-after', '5').send({ status: 'unavailable' });
    }
  });
  // Reload the schema without a restart; only from this machine until auth lands (issue 6).
  app.post('/_/admin/reload', async (req, reply) => {
    if (!isLoopbackAddress(req.ip)) {
      throw rowgateError('42501', 'Schema reload is only allowed from this machine');
    }
    const schema = await runtime.reload();
    return reply.send({ status: 'reloaded', schemaVersion: schema.version, tables: schema.tables.size });
  });
}

function bindOpenApi(app: FastifyInstance, runtime: Runtime): void {
  const send = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers['accept-profile'];
    const profile = typeof header === 'string' && header.trim() !== '' ? header.trim() : null;
    // Each role's document describes what that role may use, nothing more.
    const caller = runtime.authenticator ? await runtime.authenticator.authenticate(req.headers) : undefined;
    const document = runtime.openapiText(
      profile,
      (schema) => buildOpenApiDocument(schema, { title: runtime.options.title, maxRows: runtime.options.maxRows, actions: visibleActions(runtime, caller) }),
      caller,
    );
    return reply.type('application/openapi+json; charset=utf-8').send(document);
  };
  app.get('/_/openapi.json', (req, reply) => send(req, reply));
  for (const mount of MOUNTS) app.get(mount || '/', (req, reply) => send(req, reply));
}

function bindData(app: FastifyInstance, runtime: Runtime): void {
  const deadlines = new Deadlines(runtime.options.requestTimeoutMs);
  app.addHook('onClose', async () => deadlines.stop());
  for (const mount of MOUNTS) {
    // Inside a plugin registered with a prefix, raw URLs still carry that prefix.
    const strip = app.prefix.length + mount.length;
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.method === 'OPTIONS') {
        await callerOf(runtime, req.method, req.headers);
        return reply.code(200).header('allow', DATA_METHODS.join(', ')).send();
      }
      const deadline = deadlines.track(() => {
        if (!reply.sent) void reply.send(rowgateError('RG504', `The request took longer than ${deadlines.ms} ms`));
      });
      try {
        const response = await answerData(runtime, req.method, req.raw.url ?? '/', strip, req.headers, typeof req.body === 'string' ? req.body : null, req.log);
        if (reply.sent) return reply;
        return reply.code(response.status).headers(response.headers).send(response.body ?? undefined);
      } catch (e) {
        // Timed out already (the 504 is out); what failed after that is only worth a log line.
        if (reply.sent) {
          req.log.warn({ err: e }, 'request failed after its timeout');
          return reply;
        }
        throw e;
      } finally {
        deadlines.done(deadline);
      }
    };
    app.route({ method: [...DATA_METHODS], url: `${mount}/:table`, handler });
    app.route({ method: [...DATA_METHODS], url: `${mount}/:table/:id`, handler });
  }
}

/** With auth, the document lists the actions the caller may call; without, all of them. */
function visibleActions(runtime: Runtime, caller: Caller | undefined): ActionDefinition<any, any>[] {
  const all = [...runtime.options.actions.values()];
  if (!caller || !runtime.options.auth || caller.role === SERVICE_ROLE) return all;
  return all.filter((a) => (a.roles ?? []).includes(caller.role));
}

/** Browsers' cross-origin requests, for the origins the config names (none by default). */
function bindCors(app: FastifyInstance, cors: CorsConfig | undefined): void {
  if (!cors) return;
  void app.register(fastifyCors, {
    origin: cors.origins === '*' ? '*' : [...cors.origins],
    credentials: cors.credentials ?? false,
    maxAge: cors.maxAge ?? 600,
    methods: [...DATA_METHODS],
    // supabase-js and postgrest-js send these; Prefer, Range and the profiles are PostgREST's.
    allowedHeaders: ['authorization', 'apikey', 'content-type', 'prefer', 'range', 'accept-profile', 'content-profile', 'x-client-info', 'idempotency-key', 'x-request-id', 'x-supabase-api-version'],
    exposedHeaders: ['content-range', 'location', 'preference-applied', 'content-profile', 'next-cursor', 'retry-after', 'x-request-id'],
    // rowgate's routes answer OPTIONS themselves; the plugin's preflight handler runs first.
    hideOptionsRoute: true,
  });
}

function isLoopbackAddress(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}
