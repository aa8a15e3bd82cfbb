import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { bodyFormatOf, negotiateAccept } from './media-type.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

describe('negotiateAccept', () => {
  it('means JSON without a header, and for */*, application/* and application/json', () => {
    expect(negotiateAccept(undefined, false)).toBe('json');
    expect(negotiateAccept('', false)).toBe('json');
    expect(negotiateAccept('*/*', false)).toBe('json');
    expect(negotiateAccept('application/*', false)).toBe('json');
    expect(negotiateAccept('application/json', false)).toBe('json');
    expect(negotiateAccept('Application/JSON; charset=utf-8', false)).toBe('json');
    expect(negotiateAccept('application/vnd.pgrst.array+json', false)).toBe('json');
  });

  it('reads the other formats', () => {
    expect(negotiateAccept('application/vnd.pgrst.object+json', false)).toBe('object');
    expect(negotiateAccept('application/vnd.pgrst.object+json;nulls=stripped', false)).toBe('object');
    expect(negotiateAccept('application/vnd.pgrst.object', false)).toBe('object');
    expect(negotiateAccept('ApplicatIon/vnd.PgRsT.object+json', false)).toBe('object');
    expect(negotiateAccept('text/csv', false)).toBe('csv');
    expect(negotiateAccept('application/x-ndjson', false)).toBe('ndjson');
  });

  it('follows q-values, then specificity, then order', () => {
    expect(negotiateAccept('text/csv;q=0.5, application/vnd.pgrst.object+json', false)).toBe('object');
    expect(negotiateAccept('application/json;q=0.1, text/csv;q=0.9', false)).toBe('csv');
    expect(negotiateAccept('*/*, text/csv', false)).toBe('csv');
    expect(negotiateAccept('text/csv, application/x-ndjson', false)).toBe('csv');
    expect(negotiateAccept('image/png, text/csv;q=0.2', false)).toBe('csv');
    expect(negotiateAccept('text/csv;q=0, */*;q=0.1', false)).toBe('json');
    expect(negotiateAccept('text/csv;q=oops', false)).toBe('csv');
    expect(negotiateAccept('application/vnd.pgrst.plan;for="a,b";q=1, text/csv;q=0.5', false)).toBe('csv');
  });

  it('means the OpenAPI document on the root', () => {
    expect(negotiateAccept(undefined, true)).toBe('openapi');
    expect(negotiateAccept('application/json', true)).toBe('openapi');
    expect(negotiateAccept('*/*', true)).toBe('openapi');
    expect(negotiateAccept('application/openapi+json', true)).toBe('openapi');
    expect(failure(() => negotiateAccept('text/csv', true)).status).toBe(406);
    expect(failure(() => negotiateAccept('application/openapi+json', false)).status).toBe(406);
  });

  it('answers 406 when nothing is acceptable', () => {
    const e = failure(() => negotiateAccept('image/png, text/html', false));
    expect(e).toMatchObject({ code: 'RG406', status: 406, message: 'None of these media types are available: image/png, text/html' });
    expect(failure(() => negotiateAccept('text/csv;q=0', false)).status).toBe(406);
    expect(failure(() => negotiateAccept('application/vnd.pgrst.array+json;nulls=stripped', false)).status).toBe(406);
    expect(failure(() => negotiateAccept(',;,', false)).status).toBe(406);
  });
});

describe('bodyFormatOf', () => {
  it('recognises JSON with any parameters, case and spacing', () => {
    expect(bodyFormatOf(undefined)).toBe('json');
    expect(bodyFormatOf('')).toBe('json');
    expect(bodyFormatOf('application/json')).toBe('json');
    expect(bodyFormatOf('Application/JSON;charset=UTF-8')).toBe('json');
    expect(bodyFormatOf('  application/json ;  charset=utf-8 ')).toBe('json');
    expect(bodyFormatOf('application / json')).toBe('json');
  });

  it('names the others', () => {
    expect(bodyFormatOf('text/csv')).toBe('csv');
    expect(bodyFormatOf('application/x-www-form-urlencoded')).toBe('form');
    expect(bodyFormatOf('text/plain')).toBe('other');
    expect(bodyFormatOf('application/vnd.pgrst.object+json')).toBe('other');
  });
});
