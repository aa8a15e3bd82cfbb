/**
 * The single renderer of errors: any thrown value -> status, headers and PostgREST's JSON body.
 * Fastify's own errors (body too large, bad framing) are mapped onto catalog codes; anything
 * unexpected is a 500 whose cause is logged and never sent.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import { isRowgateError, type RowgateError } from '../errors/rowgate-error.js';

/** Fastify error codes -> catalog errors; each is the client's fault, so 4xx. */
export function toRowgateError(e: unknown): RowgateError {
  if (isRowgateError(e)) return e;
  const fe = e as { code?: string; statusCode?: number; message?: string };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return rowgateError('RG413', 'Request body is larger than the limit', { hint: 'Send fewer rows per request.' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.unsupportedMediaType(fe.message ?? 'unknown');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidBody('Empty or invalid json');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return rowgateError('PGRST100', fe.message ?? 'Bad request');
  }
  return errors.internal(e);
}
