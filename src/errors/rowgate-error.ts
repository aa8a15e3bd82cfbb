/**
 * The one error type every stage throws. Its JSON body is PostgREST's `{code, message, details, hint}`
 * so PostgREST clients surface it unchanged; only `server/` turns it into an HTTP response.
 * The raw driver error rides along as `cause`, is logged, and is never sent.
 */
export class RowgateError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: string | null;
  readonly hint: string | null;
  /** Extra response headers, e.g. `Retry-After` on 503 or `WWW-Authenticate` on 401. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    status: number,
    message: string,
    opts: { details?: string | null; hint?: string | null; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RowgateError';
    this.code = code;
    this.status = status;
    this.details = opts.details ?? null;
    this.hint = opts.hint ?? null;
    this.headers = opts.headers ?? {};
  }

  toJSON(): { code: string; message: string; details: string | null; hint: string | null } {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

export function isRowgateError(e: unknown): e is RowgateError {
  return e instanceof RowgateError;
}
