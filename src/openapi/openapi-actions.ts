/**
 * Actions in the OpenAPI document: `/rpc/<name>` with POST taking the input schema as its JSON
 * body (and GET with query parameters for read-only actions), answering the output schema. The
 * schemas are the actions' own TypeBox schemas, which are JSON Schema already.
 */
import type { ActionDefinition } from '../actions/define-action.js';
import { errorRefs } from './openapi-responses.js';
import type { OperationObject, ParameterObject, PathItemObject } from './openapi-types.js';

/** Only the parts of an action the document needs; the handler stays out of it. */
export type ActionDoc = Pick<ActionDefinition<any, any>, 'name' | 'description' | 'input' | 'output' | 'readOnly'>;

export function actionPathItems(actions: readonly ActionDoc[], tag: string): Record<string, PathItemObject> {
  const paths: Record<string, PathItemObject> = {};
  for (const action of [...actions].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const input = plain(action.input);
    const ok = {
      description: 'The action’s result.',
      content: { 'application/json': { schema: action.output ? plain(action.output) : {} } },
    };
    const post: OperationObject = {
      operationId: `rpc.${action.name}`,
      summary: action.description ?? `Run the action ${action.name}`,
      tags: [tag],
      parameters: [
        { name: 'Prefer', in: 'header', required: false, description: '`tx=rollback` runs the action as a dry run.', schema: { type: 'string' as const, enum: ['tx=rollback', 'tx=commit'] } },
        ...(action.readOnly ? [] : [{ name: 'Idempotency-Key', in: 'header' as const, required: false, description: 'A retry with the same key gets the first result and never runs the action twice.', schema: { type: 'string' as const, maxLength: 255 } }]),
      ],
      requestBody: { required: true, content: { 'application/json': { schema: input } } },
      responses: { '200': ok, ...errorRefs(['BadRequest', 'NotFound', 'Conflict', 'Unavailable', 'Timeout']) },
    };
    const item: PathItemObject = { post };
    if (action.readOnly) {
      item.get = {
        operationId: `rpc.${action.name}.get`,
        summary: post.summary,
        tags: [tag],
        parameters: queryParameters(input),
        responses: post.responses,
      };
    }
    paths[`/rpc/${action.name}`] = item;
  }
  return paths;
}

/** A read-only action's arguments as query parameters, one per top-level property. */
function queryParameters(input: Record<string, unknown>): ParameterObject[] {
  const properties = (input.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((input.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query' as const, required: required.has(name), schema }));
}

/** TypeBox schemas carry symbol keys; JSON holds only the plain JSON Schema. */
function plain(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
