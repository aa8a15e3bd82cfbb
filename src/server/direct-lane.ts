/**
 * The direct lane: requests to the data routes (`/<table>`, `/<table>/<id>`, `/rpc/<name>`, also
 * under `/rest/v1`) served straight from Node's request event, without Fastify's request and reply
 * objects, hooks, router and body parser — about a third of a small request's CPU
 * (docs/performance.md). They do exactly what Fastify's data route does (data-route.ts), and a
 * test holds the two to the same bytes (test/server/direct-lane.test.ts).
 *
 * It takes GET, HEAD and DELETE without a body, and POST, PATCH and PUT whose body has a
 * Content-Length within the limit (read as Fastify's catch-all parser reads it: bytes, decoded as
 * UTF-8 once at the end) or that have neither body nor Content-Type. Anything the lane is not sure
 * of goes to Fastify untouched: OPTIONS, chunked bodies and every Transfer-Encoding, a body past the
 * limit (Fastify's 413), other routes, paths Fastify's router would decode or normalise (`%`, `//`,
 * a trailing slash), and every request when CORS is configured (its headers come from the plugin).
 *
 * An answer the pipeline has at once (a SQLite read or write, handle-request.ts) is sent from the
 * same call; only one that comes as a promise gets a deadline.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished, type Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { rowgateError } from '../errors/catalog.js';
import type { RenderedResponse } from '../response/render-response.js';
import { answerData, errorAnswer, JSON_TYPE, requestIdOf } from './data-route.js';
import { Deadlines } from './deadlines.js';
import type { Runtime } from './runtime.js';

/** Longer paths go to the router, which knows its own limits (414 past 2048 bytes a segment). */
const MAX_PATH = 1024;

export class DirectLane {
  private readonly deadlines: Deadlines;
  private readonly bodyLimit: number;

  /** `logger`: the app's, when the log level writes request lines; null when silent. */
  constructor(
    private readonly runtime: Runtime,
    private readonly logger: FastifyBaseLogger | null,
  ) {
    this.deadlines = new Deadlines(runtime.options.requestTimeoutMs);
    this.bodyLimit = runtime.options.bodyLimit;
  }

  /** Takes the request and returns true, or returns false having touched nothing. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    const url = req.url ?? '';
    const strip = dataPathStart(url);
    if (strip < 0) return false;
    const headers = req.headers;
    // Codings to refuse and chunked bodies are the framing checks' business, in Fastify.
    if (headers['transfer-encoding'] !== undefined) return false;
    const length = headers['content-length'];
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
      if (length !== undefined) return false;
      void this.answer(res, method, url, strip, headers, null);
      return true;
    }
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return false;
    const type = headers['content-type'];
    if (type === undefined) {
      // Fastify parses a body it has no type for; without a body there is nothing to parse.
      if (length !== undefined && length !== '0') return false;
      void this.answer(res, method, url, strip, headers, null);
      return true;
    }
    // A type Fastify cannot parse is its 415, before the body is read.
    if (!validMediaType(type)) return false;
    const bytes = length === undefined ? NaN : Number(length);
    if (!(bytes <= this.bodyLimit)) return false;
    readBody(req, res, bytes, (body) => void this.answer(res, method, url, strip, headers, body));
    return true;
  }

  close(): void {
    this.deadlines.stop();
  }

  private answer(res: ServerResponse, method: string, url: string, strip: number, headers: IncomingMessage['headers'], body: string | null): void {
    if (this.logger) {
      void this.answerLogged(this.logger, res, method, url, strip, headers, body);
      return;
    }
    let answer: RenderedResponse | Promise<RenderedResponse>;
    try {
      answer = answerData(this.runtime, method, url, strip, headers, body, undefined);
    } catch (e) {
      sendError(res, e, undefined);
      return;
    }
    // Answered at once (a SQLite read): no deadline to keep, no promise to wait for.
    if (answer instanceof Promise) void this.answerLater(res, method, answer, undefined);
    else sendNow(res, method, answer, undefined);
  }

  private async answerLater(res: ServerResponse, method: string, answer: Promise<RenderedResponse>, log: FastifyBaseLogger | undefined): Promise<void> {
    const deadline = this.deadlines.track(() => {
      if (!res.headersSent) sendError(res, rowgateError('RG504', `The request took longer than ${this.deadlines.ms} ms`), log);
    });
    try {
      const response = await answer;
      if (!res.headersSent) send(res, method, response, log);
    } catch (e) {
      // Timed out already (the 504 is out); what failed after that is only worth a log line.
      if (res.headersSent) log?.warn({ err: e }, 'request failed after its timeout');
      else sendError(res, e, log);
    } finally {
      this.deadlines.done(deadline);
    }
  }

  private async answerLogged(logger: FastifyBaseLogger, res: ServerResponse, method: string, url: string, strip: number, headers: IncomingMessage['headers'], body: string | null): Promise<void> {
    const started = performance.now();
    const log = logger.child({ reqId: requestIdOf(headers) });
    let answer: RenderedResponse | Promise<RenderedResponse>;
    try {
      answer = answerData(this.runtime, method, url, strip, headers, body, log);
    } catch (e) {
      answer = Promise.reject(e);
    }
    if (answer instanceof Promise) await this.answerLater(res, method, answer, log);
    else sendNow(res, method, answer, log);
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    finished(res, () => log.info({ method, path, status: res.statusCode, ms: Number((performance.now() - started).toFixed(2)) }, 'request'));
  }
}

/**
 * Where the table name starts in a URL the lane takes (0, or 8 under `/rest/v1`), or -1. It takes
 * `/<name>` and `/<name>/<key>` whose segments hold no character the router would decode, and
 * whose first segment is not one of the other routes' (`/_/…`, `/auth/…`).
 */
export function dataPathStart(url: string): number {
  if (url.charCodeAt(0) !== 47 /* / */) return -1;
  let end = url.indexOf('?');
  if (end < 0) end = url.length;
  if (end > MAX_PATH) return -1;
  let start = 0;
  if (url.startsWith('/rest/v1/')) start = 8;
  let slashes = 0;
  let previous = 47;
  for (let i = start + 1; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 47) {
      if (previous === 47 || ++slashes > 1) return -1;
    } else if (c === 37 /* % */ || c === 35 /* # */ || c === 59 /* ; */) {
      return -1;
    }
    previous = c;
  }
  if (previous === 47) return -1;
  const first = url.charCodeAt(start + 1);
  if (first === 95 /* _ */) return -1;
  if (url.startsWith('auth', start + 1) || url.startsWith('rest', start + 1)) {
    const c = url.charCodeAt(start + 5);
    if (c === 47 || start + 5 === end) return -1;
  }
  return start;
}

const TYPE_NAME = /^[\w!#$%&'*+.^`|~-]+$/;
const SUBTYPE_NAME = /^[\w!#$%&'*+.^`|~-]+\s*$/;

/** Whether Fastify's Content-Type parser takes the header as a media type (RFC 9110 tokens around one `/`). */
function validMediaType(value: string): boolean {
  const semicolon = value.indexOf(';');
  const media = semicolon < 0 ? value : value.slice(0, semicolon);
  const slash = media.indexOf('/');
  return slash > 0 && TYPE_NAME.test(media.slice(0, slash).trimStart()) && SUBTYPE_NAME.test(media.slice(slash + 1).trimEnd());
}

/**
 * The body of `bytes` bytes (at most the limit, checked before), as text. Node's parser delivers
 * exactly Content-Length bytes or the connection ends first; either way the answer matches
 * Fastify's reading of the same request.
 */
function readBody(req: IncomingMessage, res: ServerResponse, bytes: number, then: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (received !== bytes) {
      sendError(res, { code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', message: 'Request body size did not match Content-Length' }, undefined);
      return;
    }
    then(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
  });
  // The client went away mid-body: there is no one to answer.
  req.on('error', () => res.destroy());
}

/** `send`, where a failure to send (a header Node refuses) still gets an error answer if it can. */
function sendNow(res: ServerResponse, method: string, response: RenderedResponse, log: FastifyBaseLogger | undefined): void {
  try {
    send(res, method, response, log);
  } catch (e) {
    if (!res.headersSent) sendError(res, e, log);
  }
}

/** The response's headers object is its own (RenderedResponse), so the length goes straight into it. */
function send(res: ServerResponse, method: string, response: RenderedResponse, log: FastifyBaseLogger | undefined): void {
  const { status, headers, body } = response;
  if (body === null) {
    // As Fastify answers an empty body: a length of 0 where a body could be, none where it cannot.
    if (status >= 200 && status !== 204 && status !== 304 && method !== 'HEAD') headers['content-length'] = '0';
    res.writeHead(status, headers);
    res.end();
  } else if (typeof body === 'string') {
    if (status === 204 || status < 200) {
      delete headers['content-type'];
      delete headers['content-length'];
      res.writeHead(status, headers);
      res.end();
      return;
    }
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
  } else {
    sendStream(res, status, headers, body, log);
  }
}

/**
 * A streamed body: headers go out with its first chunk, so a stream that fails before any row
 * still gets a proper error answer; one that fails later can only cut the connection.
 */
function sendStream(res: ServerResponse, status: number, headers: Record<string, string>, body: Readable, log: FastifyBaseLogger | undefined): void {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]!);
  let open = true;
  finished(body, { writable: false }, (err) => {
    open = false;
    if (!err) return;
    if (res.headersSent) {
      log?.warn({ err }, 'stream failed after its first chunk');
      res.destroy();
    } else {
      for (const name in headers) res.removeHeader(name);
      sendError(res, err, log);
    }
  });
  finished(res, () => {
    if (open) body.destroy();
  });
  body.pipe(res);
}

function sendError(res: ServerResponse, e: unknown, log: FastifyBaseLogger | undefined): void {
  const { error, body } = errorAnswer(e, log);
  res.writeHead(error.status, { ...error.headers, 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
