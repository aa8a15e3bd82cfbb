/**
 * Serves the interactive API reference: `GET /_/docs` (the page from `docs-page.ts`) and
 * `GET /_/docs/scalar.js` (Scalar's standalone bundle from node_modules, read once, gzipped once
 * on first demand). Nothing is fetched from a CDN. The OpenAPI document itself is served by
 * `server/`; this module only needs its URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { docsPageHtml } from './docs-page.js';

const SCRIPT_PATH = '/_/docs/scalar.js';

interface Bundle {
  readonly body: Buffer;
  readonly etag: string;
  /** Filled on the first request that accepts gzip; a promise so concurrent first requests share one job. */
  gzipped: Promise<Buffer> | null;
}

export function bindDocs(app: FastifyInstance, opts: { specUrl: string }): void {
  // The bundle (a few MB) is read on the first request for the docs, not at start-up: a server
  // nobody opens the docs of never holds it.
  let loaded: { bundle: Bundle; page: ReturnType<typeof docsPageHtml> } | null = null;
  const docs = () => {
    if (!loaded) {
      const bundle = loadBundle();
      // The bundle's hash in the URL gives a new Scalar bundle a new URL, so the script can be cached forever.
      loaded = { bundle, page: docsPageHtml({ specUrl: opts.specUrl, scriptUrl: `${SCRIPT_PATH}?v=${bundle.etag.slice(1, -1)}` }) };
    }
    return loaded;
  };

  app.get('/_/docs', (_request, reply) => {
    const { page } = docs();
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', page.contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(page.html);
  });

  app.get(SCRIPT_PATH, async (request, reply) => {
    const { bundle } = docs();
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff');
    const gzipped = acceptsGzip(request.headers['accept-encoding']);
    // Each encoding is its own representation, so each gets its own strong ETag (RFC 9110, 8.8.3).
    const etag = gzipped ? `${bundle.etag.slice(0, -1)}-gzip"` : bundle.etag;
    reply.header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    if (gzipped) {
      bundle.gzipped ??= promisify(gzip)(bundle.body);
      return reply.header('content-encoding', 'gzip').send(await bundle.gzipped);
    }
    return reply.send(bundle.body);
  });
}

/**
 * `@scalar/api-reference` exports its standalone build as `./browser/standalone.js` (the file is
 * `dist/browser/standalone.js`; the `dist/…` path is not in its exports map, so resolving it fails).
 */
function loadBundle(): Bundle {
  const file = createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');
  const body = readFileSync(file);
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
  return { body, etag, gzipped: null };
}

/** Whether `Accept-Encoding` allows gzip: named with q > 0, or covered by `*` when not named (RFC 9110, 12.5.3). */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header ?? '';
  const weights = new Map<string, number>();
  for (const part of value.split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (coding) weights.set(coding, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  return (weights.get('gzip') ?? weights.get('*') ?? 0) > 0;
}
