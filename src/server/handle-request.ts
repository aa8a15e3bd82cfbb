/**
 * The pipeline, and nothing else: parse -> plan -> compile -> execute -> respond, each timed for
 * the Server-Timing header. Plan and compile run once per request shape; later requests of the
 * same shape go from parse straight to execute.
 */
import { parseApiRequest, type HttpInput } from '../request/api-request.js';
import { planRequest } from '../plan/plan-request.js';
import { executeQuery } from '../execute/execute-query.js';
import { renderResponse, type RenderedResponse } from '../response/render-response.js';
import type { Runtime } from './runtime.js';
import { runAction } from '../actions/run-action.js';
import type { ActionLogger } from '../actions/define-action.js';

export async function handleRequest(input: HttpInput, runtime: Runtime, log?: ActionLogger): Promise<RenderedResponse> {
  const t0 = performance.now();
  const api = parseApiRequest(input);
  const t1 = performance.now();
  // Actions have a pipeline of their own: check the input, run the handler in a transaction.
  if (api.target.kind === 'rpc') return runAction(api, log ? { ...runtime.actionEnv, log } : runtime.actionEnv, input.headers);

  const schema = runtime.schema;
  const key = `${schema.version}\u0000${api.shapeKey}`;
  let shape = runtime.cachedShape(key);
  if (!shape) {
    const plan = planRequest(api, schema, runtime.options);
    shape = { plan, compiled: runtime.dialect.compiler.compile(plan.query) };
    runtime.rememberShape(key, shape);
  }
  const t2 = performance.now();

  const result = await executeQuery(shape.plan, shape.compiled, api, runtime.dialect);
  const t3 = performance.now();

  const response = renderResponse(shape.plan, result, api);
  const t4 = performance.now();
  response.headers['server-timing'] =
    `parse;dur=${ms(t1 - t0)}, plan;dur=${ms(t2 - t1)}, execute;dur=${ms(t3 - t2)}, respond;dur=${ms(t4 - t3)}`;
  return response;
}

function ms(d: number): string {
  return d.toFixed(2);
}
