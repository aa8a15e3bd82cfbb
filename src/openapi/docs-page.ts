/**
 * The HTML of `/_/docs`: Scalar's API reference, configured so the page makes no request that
 * leaves the machine, plus the Content-Security-Policy that enforces it in the browser. Serving
 * the page and Scalar's bundle is `bind-docs.ts`'s job; this module is pure text.
 */
import { createHash } from 'node:crypto';

export interface DocsPageOptions {
  /** Where the page fetches the OpenAPI document, e.g. `/_/openapi.json` (same server). */
  readonly specUrl: string;
  /** Where the page loads Scalar's standalone bundle, e.g. `/_/docs/scalar.js?v=…`. */
  readonly scriptUrl: string;
  readonly title?: string;
}

export interface DocsPage {
  readonly html: string;
  /** The `Content-Security-Policy` header to send with `html`. */
  readonly contentSecurityPolicy: string;
}

/**
 * Scalar 1.46's configuration (`createApiReference(el, config)`), read from the schema in its
 * bundle. Each setting below turns off something that would reach a scalar.com host or a CDN.
 */
export function scalarConfiguration(specUrl: string, title: string): Record<string, unknown> {
  return {
    url: specUrl,
    // The default CSS pulls Inter and JetBrains Mono from fonts.scalar.com; off, the theme's
    // fallback stack (system-ui, Segoe UI, Roboto, Menlo, …) is used instead.
    withDefaultFonts: false,
    // The "Ask AI" agent is on by default when the page is served from localhost/127.0.0.1,
    // and it talks to api.scalar.com and registry.scalar.com.
    agent: { disabled: true },
    // Declared in 1.46's schema (default true) though unused by the bundle; off so an upgrade cannot turn it on silently.
    telemetry: false,
    // The developer toolbar (shown on localhost by default) offers "Generate SDK", which uploads
    // the whole document to api.scalar.com through proxy.scalar.com.
    showDeveloperTools: 'never',
    // "Open in API client" links to client.scalar.com, handing it our document's URL.
    hideClientButton: true,
    // `proxyUrl` stays unset: without it "Send request" goes straight to this server, where
    // proxy.scalar.com would relay every test request (and its credentials) through Scalar.
    // Downloading the document builds a blob in the page; one format keeps the button simple.
    documentDownloadType: 'json',
    metaData: { title },
  };
}

export function docsPageHtml(opts: DocsPageOptions): DocsPage {
  const title = opts.title ?? 'rowgate API reference';
  const init = `Scalar.createApiReference('#app', ${scriptJson(scalarConfiguration(opts.specUrl, title))});`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="app"></div>
<noscript>This page needs JavaScript. The OpenAPI document is at <a href="${escapeHtml(opts.specUrl)}">${escapeHtml(opts.specUrl)}</a>.</noscript>
<script src="${escapeHtml(opts.scriptUrl)}"></script>
<script>${init}</script>
</body>
</html>
`;
  return { html, contentSecurityPolicy: contentSecurityPolicy(init) };
}

/**
 * Everything from this origin only, so even a Scalar feature we missed cannot fetch a font, a
 * script or an API from elsewhere. The inline start-up script is allowed by its hash rather than
 * 'unsafe-inline'. Styles need 'unsafe-inline' because Scalar injects its CSS at run time.
 * No 'unsafe-eval': the bundle's only `new Function` is zod's feature probe, which catches the refusal.
 */
function contentSecurityPolicy(inlineScript: string): string {
  const hash = createHash('sha256').update(inlineScript, 'utf8').digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** JSON that is safe inside `<script>`: `<` is escaped so a value cannot close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
