/**
 * Content-Type and framing (issue 8, item 3, fast version): wrong, missing, duplicated, oddly
 * spaced and oddly cased Content-Type values, each with an invalid body, on POST/PATCH/PUT of a
 * table: never a 2xx, no row changes. Then raw sockets to a listening server: a chunked body cut
 * short, a Content-Length larger than the body, both Content-Length and Transfer-Encoding: never
 * a 2xx, no row change, and /_/health still answers afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { errorShapeProblem, rawRequest, shopUnavailable, startShop, type ShopUnderTest } from './shop-under-test.js';

const CONTENT_TYPES: readonly (string | string[] | null)[] = [
  'application/json ; charset=utf-8',
  'APPLICATION/JSON',
  'Application/Json; Charset=UTF-8',
  'application/json, text/plain',
  'application/json;charset=utf-8;charset=latin1',
  ' application/json',
  'application/json\tx',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/vnd.pgrst.object+json',
  'text/csv',
  '',
  ['application/json', 'text/plain'],
  null,
];

/** Bodies that are wrong whatever the Content-Type says. */
const INVALID_BODIES: readonly string[] = [
  '{"id": 1, ',
  'id=1&name=x',
  '--x\r\nContent-Disposition: form-data; name="id"\r\n\r\n1\r\n--x--\r\n',
  '[{"nope": 1}]',
  '{"price": "not a number", "nope": true}',
  'id,name\n1,x\n"unterminated',
  '\u0000',
];

/** Per table: a key to PATCH/PUT. */
const TARGETS = [
  { table: 'categories', id: 1 },
  { table: 'products', id: 1 },
  { table: 'customers', id: 1 },
];

for (const engine of selectedEngines()) {
  const reason = await shopUnavailable(engine);
  if (reason) console.warn(`content-type and framing: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: content-type and framing`, () => {
    let shop: ShopUnderTest;
    let port = 0;
    let requests = 0;

    beforeAll(async () => {
      shop = await startShop(engine);
      const url = await shop.server.listen();
      port = Number(new URL(url).port);
    });
    afterAll(async () => {
      console.log(`content-type and framing (${engine.name}): ${requests} requests, none 2xx`);
      await shop?.close();
    });

    it('refuses every odd Content-Type with an invalid body on POST/PATCH/PUT, and changes no row', async () => {
      const before = await shop.fingerprint();
      const snapshot = JSON.stringify(await shop.database.query('select * from categories order by id'));
      for (const contentType of CONTENT_TYPES) {
        for (const payload of INVALID_BODIES) {
          for (const { table, id } of TARGETS) {
            for (const [method, url] of [['POST', `/${table}`], ['PATCH', `/${table}?id=eq.${id}`], ['PUT', `/${table}?id=eq.${id}`], ['PATCH', `/${table}/${id}`]] as const) {
              const headers: Record<string, string | string[]> = { ...shop.headers.service, prefer: 'return=representation' };
              if (contentType !== null) headers['content-type'] = contentType;
              const res = await shop.server.app.inject({ method, url, headers, payload });
              requests++;
              const context = `${method} ${url} content-type ${JSON.stringify(contentType)} body ${JSON.stringify(payload)} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
              expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
              expect(res.statusCode, context).toBeLessThan(500);
              expect(errorShapeProblem(url, res.headers['content-type'] as string | undefined, res.body), context).toBeNull();
            }
          }
        }
      }
      expect(await shop.fingerprint()).toBe(before);
      expect(JSON.stringify(await shop.database.query('select * from categories order by id'))).toBe(snapshot);
    });

    const head = (extra: string) =>
      `POST /categories HTTP/1.1\r\nhost: 127.0.0.1\r\napikey: ${shop.headers.service.apikey}\r\nauthorization: ${shop.headers.service.authorization}\r\ncontent-type: application/json\r\n${extra}`;
    const rows = '[{"id":777001,"name":"Framing","slug":"framing-777001"}]';
    const size = rows.length.toString(16);
    /** [name, request bytes, whether the client closes its side after sending]. */
    const FRAMINGS: [string, () => string, boolean][] = [
      // A chunked body that stops inside a chunk, then the client closes.
      ['a chunked body truncated inside a chunk', () => `${head('transfer-encoding: chunked\r\n')}\r\n${size}\r\n${rows.slice(0, 20)}`, true],
      // Complete chunks but the terminating 0-chunk never comes, then the client closes.
      ['a chunked body without its final chunk', () => `${head('transfer-encoding: chunked\r\n')}\r\n${size}\r\n${rows}\r\n`, true],
      ['a chunk size that is not hex', () => `${head('transfer-encoding: chunked\r\n')}\r\nzz\r\n${rows}\r\n0\r\n\r\n`, false],
      // Content-Length promises more than is sent, then the client closes.
      ['a content-length larger than the body', () => `${head(`content-length: ${rows.length + 100}\r\n`)}\r\n${rows}`, true],
      // Both framings: the request-smuggling shape; refused, never acted on.
      ['content-length and transfer-encoding', () => `${head(`content-length: ${rows.length}\r\ntransfer-encoding: chunked\r\n`)}\r\n${rows}`, false],
      ['transfer-encoding then content-length, with valid chunks', () => `${head('transfer-encoding: chunked\r\ncontent-length: 4\r\n')}\r\n${size}\r\n${rows}\r\n0\r\n\r\n`, false],
      ['two content-lengths that disagree', () => `${head(`content-length: ${rows.length}\r\ncontent-length: 3\r\n`)}\r\n${rows}`, false],
      ['transfer-encoding with odd spacing', () => `${head('transfer-encoding:  chunked , identity\r\n')}\r\n${size}\r\n${rows}\r\n0\r\n\r\n`, false],
    ];

    for (const [name, bytes, close] of FRAMINGS) {
      it(`refuses ${name} on a real socket, changes no row, keeps answering /_/health`, async () => {
        const before = await shop.fingerprint();
        const answer = await rawRequest(port, bytes(), close);
        requests++;
        const context = `${name} -> ${answer.status} ${answer.text.slice(0, 300)}`;
        if (answer.status !== null) {
          expect(answer.status, context).toBeGreaterThanOrEqual(400);
          expect(answer.status, context).toBeLessThan(500);
        }
        const health = await fetch(`http://127.0.0.1:${port}/_/health`);
        expect(health.status, `health after ${name}`).toBe(200);
        expect(await shop.fingerprint(), context).toBe(before);
      });
    }

    // Found by this suite (fixed: now 501): `Transfer-Encoding: gzip, chunked` is accepted; Node's parser undoes
    // only the chunking and rowgate reads the still "gzip-coded" bytes as the JSON body, so the
    // insert happens (201). A transfer coding the server does not implement should be refused
    // (RFC 9112 section 6.1: 501), never acted on.
    it('refuses a transfer coding it does not implement (gzip, chunked) with 501', async () => {
      const before = await shop.fingerprint();
      const answer = await rawRequest(port, `${head('transfer-encoding: gzip, chunked\r\n')}\r\n${size}\r\n${rows}\r\n0\r\n\r\n`, false);
      requests++;
      await fetch(`http://127.0.0.1:${port}/_/health`);
      const after = await shop.fingerprint();
      // Take the row out again whatever happened, so later cases start from the same tables.
      await shop.database.query('delete from categories where id = 777001');
      expect(answer.status, answer.text).toBe(501);
      expect(after).toBe(before);
    });

    it('accepts the same row framed correctly: the cases above failed for their framing alone', async () => {
      const ok = await rawRequest(port, `${head(`content-length: ${Buffer.byteLength(rows)}\r\nconnection: close\r\n`)}\r\n${rows}`, false);
      expect(ok.status, ok.text).toBe(201);
      await shop.database.query('delete from categories where id = 777001');
    });
  });
}
