/**
 * The OpenAPI 3.1 document rowgate serves at `GET /`: a pure function of the schema model and a
 * few settings, so the same schema always gives the same document (tables in name order). It
 * runs no queries and the request path never imports it. Columns, parameters, responses and
 * per-table paths are built by the sibling `openapi-*.ts` modules; this one assembles them.
 */
import type { Schema, Table } from '../schema/model.js';
import { buildDocContext } from './openapi-context.js';
import { filterParameterComponents, sharedParameters, SHARED_HEADERS } from './openapi-parameters.js';
import { tablePathItems } from './openapi-paths.js';
import { errorRefs, errorResponses } from './openapi-responses.js';
import { componentSchemas, typeSchema } from './openapi-schemas.js';
import { actionPathItems, type ActionDoc } from './openapi-actions.js';
import { ref, type OpenApiDocument, type PathItemObject, type TagObject } from './openapi-types.js';

export type { OpenApiDocument } from './openapi-types.js';

export interface OpenApiOptions {
  /** `info.title`; default "rowgate". */
  title?: string;
  /** `info.version`, the version of this API description; default "1.0.0". */
  version?: string;
  /** The base URL clients call; by default the server that serves the document. */
  serverUrl?: string;
  /** The server's cap on rows per response, shown on `limit`. */
  maxRows?: number;
  /** Actions served at /rpc/<name>. */
  actions?: readonly ActionDoc[];
}

/** Five lines on the grammar: what a newcomer needs before the first request. */
const GRAMMAR = [
  'Every table is a path: `GET /products?select=id,name&price=lt.10&order=name.asc&limit=20`.',
  'Filters are `column=operator.value` (`eq`, `neq`, `gt`, `gte`, `lt`, `lte`, `like`, `ilike`, `in.(a,b)`, `is.null`, …); `not.` negates, `or=(…)` and `and=(…)` group.',
  '`select=` picks columns and embeds related tables through foreign keys: `select=*,categories(name)`.',
  'POST inserts (upserts with `on_conflict`), PATCH and DELETE change the rows the filters select; `Prefer: return=representation` returns them, and `/<table>/<id>` addresses one row by its key.',
  'Errors are JSON `{code, message, details, hint}` as in PostgREST, so PostgREST and Supabase clients work unchanged.',
].join('\n');

export function buildOpenApiDocument(schema: Schema, opts: OpenApiOptions = {}): OpenApiDocument {
  const ctx = buildDocContext(schema, { maxRows: opts.maxRows });

  // Tag names must be unique; a table called `system` pushes ours aside rather than merging with it.
  let systemTag = 'system';
  while (schema.tables.has(systemTag)) systemTag += '_';

  const parameters = sharedParameters(ctx);
  const paths: Record<string, PathItemObject> = { ...systemPaths(systemTag) };
  for (const table of ctx.tables) {
    Object.assign(parameters, filterParameterComponents(table, ctx));
    Object.assign(paths, tablePathItems(table, ctx));
  }
  const actions = [...(opts.actions ?? []), ...functionDocs(schema, opts.actions ?? [])];
  let actionTag = 'actions';
  while (schema.tables.has(actionTag)) actionTag += '_';
  Object.assign(paths, actionPathItems(actions, actionTag));

  return {
    openapi: '3.1.0',
    info: { title: opts.title ?? 'rowgate', version: opts.version ?? '1.0.0', description: GRAMMAR },
    // Without `servers` clients call the server the document came from (OpenAPI 3.1, 4.8.1.1);
    // an explicit `/` would mean the same, but Scalar then shows URLs like `http://host//products`.
    ...(opts.serverUrl === undefined ? {} : { servers: [{ url: opts.serverUrl }] }),
    tags: [
      ...ctx.tables.map(tableTag),
      ...(actions.length > 0 ? [{ name: actionTag, description: 'Actions: transactional endpoints at /rpc/<name>.' }] : []),
      { name: systemTag, description: 'The document itself, liveness and readiness.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(ctx),
      parameters,
      headers: { ...SHARED_HEADERS },
      responses: errorResponses(),
    },
  };
}

/** Database functions documented like actions; an action of the same name hides its function. */
function functionDocs(schema: Schema, actions: readonly ActionDoc[]): ActionDoc[] {
  const taken = new Set(actions.map((a) => a.name));
  return [...(schema.functions?.values() ?? [])]
    .filter((f) => !taken.has(f.name))
    .map((f) => ({
      name: f.name,
      description: f.comment ?? `The database function ${f.namespace}.${f.name}`,
      readOnly: f.readOnly,
      input: {
        type: 'object',
        properties: Object.fromEntries(f.args.map((a) => [a.name, typeSchema(a.type)])),
        required: f.args.filter((a) => !a.hasDefault).map((a) => a.name),
      } as unknown as ActionDoc['input'],
    }));
}

function tableTag(table: Table): TagObject {
  const parts: string[] = [];
  if (table.comment) parts.push(table.comment);
  if (table.kind === 'view') {
    const writes = (['insertable', 'updatable', 'deletable'] as const).filter((k) => table[k]);
    parts.push(writes.length > 0 ? `A view (${writes.join(', ')}).` : 'A read-only view.');
  }
  const tag: TagObject = { name: table.name };
  if (parts.length > 0) tag.description = parts.join('\n\n');
  return tag;
}

/**
 * `/`, `/_/health`, `/_/ready`. Their operationIds (`_.openapi`, `_.health`, `_.ready`) cannot
 * clash with a table's: a table key has no dot, and no table verb is openapi, health or ready.
 */
function systemPaths(systemTag: string): Record<string, PathItemObject> {
  const tags = [systemTag];
  const ok = { description: 'Yes.', content: { 'application/json': { schema: ref('schemas', 'Health'), example: { status: 'ok' } } } };
  return {
    '/': {
      get: {
        operationId: '_.openapi',
        summary: 'This OpenAPI document',
        description: 'The OpenAPI 3.1 description of every table, as PostgREST serves its own at the root.',
        tags,
        responses: {
          '200': {
            description: 'The document.',
            content: { 'application/openapi+json': { schema: { type: 'object' } }, 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/_/health': {
      get: { operationId: '_.health', summary: 'Is the server up?', description: 'Liveness: answers without touching the database.', tags, responses: { '200': ok } },
    },
    '/_/ready': {
      get: {
        operationId: '_.ready',
        summary: 'Can the server answer queries?',
        description: 'Readiness: 200 when the database is reachable, 503 when it is not.',
        tags,
        responses: { '200': ok, ...errorRefs(['Unavailable']) },
      },
    },
  };
}
