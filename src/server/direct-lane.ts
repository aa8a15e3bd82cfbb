/**
 * The direct lane: reads of the data routes (GET and HEAD on `/<table>`, `/<table>/<id>`,
 * `/rpc/<name>`, also under `/rest/v1`) served straight from Node's request event, without
 * Fastify's request and reply objects, hooks and router — about a third of a small read's CPU
 * (docs/performance.md). They do exactly what Fastify's data route does (data-route.ts), and a
 * test holds the two to the same bytes (test/server/direct-lane.test.ts).
 *
 * Anything the lane is not sure of goes to Fastify untouched: other methods and every request
 * with a body, other routes, paths Fastify's router would decode or normalise (`%`, `//`, a
 * trailing slash), and every request when CORS is configured (its headers come from the plugin).
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

  /** `logger`: the app's, when the log level writes request lines; null when silent. */
  constructor(
    private readonly runtime: Runtime,
    private readonly logger: FastifyBaseLogger | null,
  ) {
    this.deadlines = new Deadlines(runtime.options.requestTimeoutMs);
  }

  /** Takes the request and returns true, or returns false having touched nothing. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '';
    const strip = dataPathStart(url);
    if (strip < 0) return false;
    const headers = req.headers;
    // A read with a body (or a coding to refuse) is the framing checks' business, in Fastify.
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    void this.answer(res, method, url, strip, headers);
    return true;
  }

  close(): void {
    this.deadlines.stop();
  }

  private async answer(res: ServerResponse, method: string, url: string, strip: number, headers: IncomingMessage['headers']): Promise<void> {
    const started = this.logger ? performance.now() : 0;
    const log = this.logger?.child({ reqId: requestIdOf(headers) });
    const deadline = this.deadlines.track(() => {
      if (!res.headersSent) sendError(res, rowgateError('RG504', `The request took longer than ${this.deadlines.ms} ms`), log);
    });
    try {
      const response = await answerData(this.runtime, method, url, strip, headers, null, log);
      if (!res.headersSent) send(res, method, response, log);
    } catch (e) {
      // Timed out already (the 504 is out); what failed after that is only worth a log line.
      if (res.headersSent) log?.warn({ err: e }, 'request failed after its timeout');
      else sendError(res, e, log);
    } finally {
      this.deadlines.done(deadline);
    }
    if (log) {
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      finished(res, () => log.info({ method, path, status: res.statusCode, ms: Number((performance.now() - started).toFixed(2)) }, 'request'));
    }
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

function send(res: ServerResponse, method: string, response: RenderedResponse, log: FastifyBaseLogger | undefined): void {
  const { status, headers, body } = response;
  if (body === null) {
    // As Fastify answers an empty body: a length of 0 where a body could be, none where it cannot.
    res.writeHead(status, status >= 200 && status !== 204 && status !== 304 && method !== 'HEAD' ? { ...headers, 'content-length': '0' } : headers);
    res.end();
  } else if (typeof body === 'string') {
    if (status === 204 || status < 200) {
      const { 'content-type': _type, 'content-length': _length, ...rest } = headers;
      res.writeHead(status, rest);
      res.end();
      return;
    }
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
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
