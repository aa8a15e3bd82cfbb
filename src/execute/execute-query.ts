/**
 * Stage 4: binds one request's values into the compiled queries and runs them on the engine,
 * turning native database errors into catalog errors. Checks that must see the result before
 * commit (max-affected, exactly one row for a singular write) run inside the transaction, so a
 * refused write leaves nothing behind.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import { isRowgateError, type RowgateError } from '../errors/rowgate-error.js';
import type { CompiledPlan } from '../compile/sql-compiler.js';
import type { Dialect, ReadResult, WriteResult } from '../dialect/dialect.js';
import type { RequestPlan } from '../plan/plan-request.js';
import type { ApiRequest } from '../request/types.js';
import { bindQuery } from './bind-params.js';
import { databaseError } from './database-errors.js';

export type ExecuteResult = ({ kind: 'read' } & ReadResult) | ({ kind: 'write' } & WriteResult);

export async function executeQuery(plan: RequestPlan, compiled: CompiledPlan, api: ApiRequest, dialect: Dialect): Promise<ExecuteResult> {
  try {
    if (compiled.kind === 'read') {
      const main = bindQuery(compiled.main, api, dialect);
      const count = compiled.count ? bindQuery(compiled.count, api, dialect) : null;
      return { kind: 'read', ...(await dialect.driver.read(main, count)) };
    }
    if (api.body && plan.validateBody) plan.validateBody(api.body.rows);
    checkKeys(plan, api);
    const bind = (query: typeof compiled.main, slots?: Readonly<Record<string, unknown>>) => bindQuery(query, api, dialect, slots);
    const result = await dialect.driver.write(compiled, bind, {
      returnsRows: compiled.returns.body || compiled.returns.key,
      rollback: plan.rollback,
      check: (r) => checkWrite(plan, r),
    });
    return { kind: 'write', ...result };
  } catch (e) {
    throw toCatalogError(e, dialect);
  }
}

function checkWrite(plan: RequestPlan, result: WriteResult): void {
  if (plan.maxAffected !== null && result.affected > plan.maxAffected) {
    throw rowgateError('PGRST124', 'Query result exceeds max-affected preference constraint', {
      details: `The query affects ${result.affected} rows`,
    });
  }
  // PostgREST rolls back a write whose singular response cannot be given.
  if (plan.singular === 'object' && plan.returnPreference === 'representation' && result.affected !== 1) {
    throw errors.singularity(result.affected);
  }
}

/** PUT /t/5 with {"id": 6}: the body may repeat the key, but not contradict it. */
function checkKeys(plan: RequestPlan, api: ApiRequest): void {
  const row = api.body?.rows[0];
  if (!row) return;
  for (const { column, ref } of plan.keyChecks) {
    if (String(row[column]) !== api.values[ref]) {
      throw rowgateError('PGRST115', 'Payload values do not match URL in primary key column(s)', {
        details: `Column '${column}' is ${JSON.stringify(row[column])} in the body and ${api.values[ref]} in the URL.`,
      });
    }
  }
}

export function toCatalogError(e: unknown, dialect: Dialect): RowgateError {
  if (isRowgateError(e)) return e;
  const info = dialect.translateError(e);
  if (info) return databaseError(info.kind, info.message, info.details ?? null, e);
  return errors.internal(e);
}
