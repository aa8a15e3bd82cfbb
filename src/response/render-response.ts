/**
 * Stage 5: the engine's result -> status, headers and body. Decides 200/201/204/206, Content-Range
 * (PostgREST's rules), Location for single inserts, singular responses (406 or 404 unless exactly
 * one row), and the body format the client accepted. The body text comes from the database;
 * rows are joined, not parsed (except for CSV).
 */
import { errors, rowgateError } from '../errors/catalog.js';
import type { ExecuteResult } from '../execute/execute-query.js';
import type { RequestPlan } from '../plan/plan-request.js';
import type { ApiRequest, MediaType } from '../request/types.js';
import { Readable } from 'node:stream';
import { csvHeader, csvLines, rowsToCsv } from './csv.js';

export interface RenderedResponse {
  readonly status: number;
  /** A new object for every response: whoever sends it may add to it (Content-Length). */
  readonly headers: Record<string, string>;
  /** Text, nothing, or a stream of text for large reads. */
  readonly body: string | null | Readable;
}

const CONTENT_TYPES: Record<MediaType, string> = {
  json: 'application/json; charset=utf-8',
  object: 'application/vnd.pgrst.object+json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  openapi: 'application/openapi+json; charset=utf-8',
};

export function renderResponse(plan: RequestPlan, result: ExecuteResult, api: ApiRequest): RenderedResponse {
  const headers: Record<string, string> = {};
  if (plan.preferenceApplied) headers['preference-applied'] = plan.preferenceApplied;
  if (result.kind === 'read' && result.lastCursor && plan.query.kind === 'read' && plan.query.keyset) {
    // A full page may have a next one; its cursor is the last row's position, base64url so it travels in a URL.
    headers['next-cursor'] = Buffer.from(result.lastCursor, 'utf8').toString('base64url');
  }
  if (result.kind === 'stream') return renderStream(plan, result, headers);
  return result.kind === 'read' ? renderRead(plan, result.rows, result.total, api, headers) : renderWrite(plan, result, headers);
}

function renderRead(plan: RequestPlan, rows: readonly string[], total: number | null, api: ApiRequest, headers: Record<string, string>): RenderedResponse {
  const offset = readOffset(plan, api);
  headers['content-range'] = contentRange(offset, rows.length, total);
  let status = 200;
  if (plan.singular === 'row' && rows.length === 0) throw errors.rowNotFound(plan.table.name);
  if (plan.singular === 'object' && rows.length !== 1) throw errors.singularity(rows.length);
  if (total !== null) {
    if (offset > 0 && offset >= total) {
      throw rowgateError('PGRST103', 'Requested range not satisfiable', {
        details: `An offset of ${offset} was requested, but there are only ${total} rows.`,
        headers: { 'content-range': `*/${total}` },
      });
    }
    if (rows.length < total && !plan.singular) status = 206;
  }
  const media = plan.singular === 'row' && plan.media === 'json' ? 'json' : plan.media;
  headers['content-type'] = CONTENT_TYPES[media];
  return { status, headers, body: plan.headersOnly ? null : formatRows(plan, rows, media) };
}

/** A streamed read: the rows are not known yet, so Content-Range comes from the count and the range. */
function renderStream(plan: RequestPlan, result: Extract<ExecuteResult, { kind: 'stream' }>, headers: Record<string, string>): RenderedResponse {
  const { total, offset, limit } = result;
  let status = 200;
  if (total !== null) {
    const end = Math.min(offset + limit, total) - 1;
    headers['content-range'] = end < offset ? `*/${total}` : `${offset}-${end}/${total}`;
    if (offset > 0 || end + 1 < total) status = 206;
  }
  headers['content-type'] = CONTENT_TYPES[plan.media];
  const names = plan.media === 'csv' ? fieldNames(plan) : [];
  return { status, headers, body: Readable.from(streamText(plan.media, names, result.rows)) };
}

async function* streamText(media: MediaType, names: readonly string[], batches: AsyncIterable<string[]>): AsyncIterable<string> {
  let first = true;
  if (media === 'csv') yield csvHeader(names);
  else if (media !== 'ndjson') yield '[';
  for await (const rows of batches) {
    if (media === 'csv') yield csvLines(names, rows);
    else if (media === 'ndjson') yield rows.join('\n') + '\n';
    else {
      yield (first ? '' : ',') + rows.join(',');
      first = false;
    }
  }
  if (media !== 'csv' && media !== 'ndjson') yield ']';
}

function renderWrite(plan: RequestPlan, result: Extract<ExecuteResult, { kind: 'write' }>, headers: Record<string, string>): RenderedResponse {
  const query = plan.query;
  if (query.kind === 'read') throw new Error('renderWrite called for a read');
  const returnsBody = query.returning.fields !== null;
  const keyColumn = returnsBody ? 1 : 0;
  if (plan.singular === 'row' && result.affected === 0) throw errors.rowNotFound(plan.table.name);
  if (plan.count) headers['content-range'] = `*/${result.affected}`;

  if (query.kind === 'insert' && query.returning.key && result.rows.length === 1) {
    const key = JSON.parse(result.rows[0][keyColumn]) as unknown[];
    const filters = query.returning.key.map((c, i) => `${encodeURIComponent(c.name)}=eq.${encodeURIComponent(String(key[i]))}`);
    headers.location = `/${encodeURIComponent(plan.table.name)}?${filters.join('&')}`;
  }
  const created = query.kind === 'insert' && plan.singular !== 'row';
  if (!returnsBody) return { status: created ? 201 : 204, headers, body: null };

  const rows = result.rows.map((r) => r[0]);
  const media = plan.singular === 'row' && plan.media === 'json' ? 'json' : plan.media;
  headers['content-type'] = CONTENT_TYPES[media];
  return { status: created ? 201 : 200, headers, body: plan.headersOnly ? null : formatRows(plan, rows, media) };
}

function formatRows(plan: RequestPlan, rows: readonly string[], media: MediaType): string {
  if (plan.singular) return rows[0];
  switch (media) {
    case 'csv':
      return rowsToCsv(fieldNames(plan), rows);
    case 'ndjson':
      return rows.length === 0 ? '' : rows.join('\n') + '\n';
    default:
      return rows.length === 0 ? '[]' : `[${rows.join(',')}]`;
  }
}

function fieldNames(plan: RequestPlan): string[] {
  const q = plan.query;
  const fields = q.kind === 'read' ? q.fields : q.returning.fields ?? [];
  return fields.map((f) => f.name);
}

function readOffset(plan: RequestPlan, api: ApiRequest): number {
  const q = plan.query;
  if (q.kind !== 'read' || !q.offset || q.offset.kind !== 'value') return 0;
  return Number(api.values[q.offset.ref]);
}

/** `0-24/*`, `0-24/3573` with a count, `*\/0` when empty (RFC 7233 as PostgREST uses it). */
function contentRange(offset: number, rows: number, total: number | null): string {
  const size = total === null ? '*' : String(total);
  return rows === 0 ? `*/${size}` : `${offset}-${offset + rows - 1}/${size}`;
}
