/**
 * PostgreSQL functions at `/rpc/<name>`, as PostgREST serves them: read from pg_proc (named IN
 * arguments, defaults, the return type, volatility), called with named arguments bound as
 * parameters and cast to the declared types, the result rendered as JSON by the database (a
 * scalar, an object for a composite, an array for SETOF). Stable and immutable functions also
 * answer GET and run read-only.
 */
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { DbFunction } from '../../schema/model.js';
import { neutralType } from './postgres-introspector.js';

interface FunctionRow {
  name: string;
  argNames: string[] | null;
  argTypes: string[];
  argTypNames: string[];
  argTypTypes: string[];
  defaults: number;
  returnType: string;
  returnTypType: string;
  returnsSet: boolean;
  volatility: string;
  comment: string | null;
}

/** Functions with only named IN arguments; others (OUT/variadic/unnamed) cannot be called by name. */
const FUNCTIONS_SQL = `
select p.proname as name,
       p.proargnames as "argNames",
       array(select format_type(t, null) from unnest(p.proargtypes) as t) as "argTypes",
       array(select ty.typname from unnest(p.proargtypes) with ordinality as a(t, i) join pg_type ty on ty.oid = a.t order by a.i) as "argTypNames",
       array(select ty.typtype::text from unnest(p.proargtypes) with ordinality as a(t, i) join pg_type ty on ty.oid = a.t order by a.i) as "argTypTypes",
       p.pronargdefaults as defaults,
       format_type(p.prorettype, null) as "returnType",
       rt.typtype::text as "returnTypType",
       p.proretset as "returnsSet",
       p.provolatile::text as volatility,
       obj_description(p.oid, 'pg_proc') as comment
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_type rt on rt.oid = p.prorettype
 where n.nspname = $1
   and p.prokind = 'f'
   and (p.proargmodes is null or p.proargmodes <@ array['i']::"char"[])
   and p.provariadic = 0
   and rt.typname not in ('trigger', 'event_trigger', 'internal')
 order by p.proname`;

export async function introspectFunctions(client: pg.PoolClient, schema: string): Promise<DbFunction[]> {
  const rows = (await client.query<FunctionRow>(FUNCTIONS_SQL, [schema])).rows;
  const functions: DbFunction[] = [];
  for (const r of rows) {
    const names = (r.argNames ?? []).slice(0, r.argTypes.length);
    if (names.length !== r.argTypes.length || names.some((n) => !n)) continue;
    const firstDefault = r.argTypes.length - r.defaults;
    functions.push({
      name: r.name,
      namespace: schema,
      args: names.map((name, i) => ({
        name,
        type: neutralType(r.argTypNames[i], r.argTypTypes[i]),
        nativeType: r.argTypes[i],
        hasDefault: i >= firstDefault,
      })),
      returns: { nativeType: r.returnType, setOf: r.returnsSet, composite: r.returnTypType === 'c', void: r.returnType === 'void' },
      readOnly: r.volatility !== 'v',
      comment: r.comment,
    });
  }
  return functions;
}

/**
 * `select <json> from "schema"."fn"(a => $1::int, b => $2::text)`: the names and types come from
 * the catalog, the values are bound. Arguments left out fall back to their defaults.
 */
export async function callFunction(db: Kysely<any>, fn: DbFunction, args: Readonly<Record<string, unknown>>): Promise<string> {
  const given = fn.args.filter((a) => a.name in args);
  const call = sql`${sql.id(fn.namespace, fn.name)}(${sql.join(
    given.map((a) => sql`${sql.id(a.name)} => ${toText(args[a.name])}::${sql.raw(a.nativeType)}`),
  )})`;
  let query;
  if (fn.returns.void) query = sql<{ result: string }>`select 'null' as result from (select ${call}) as v`;
  else if (fn.returns.setOf) query = sql<{ result: string }>`select coalesce(json_agg(r), '[]')::text as result from ${call} as r`;
  else if (fn.returns.composite) query = sql<{ result: string }>`select to_json(r)::text as result from ${call} as r`;
  else query = sql<{ result: string }>`select to_json(${call})::text as result`;
  const { rows } = await query.execute(db);
  return rows[0]?.result ?? 'null';
}

/** Arguments travel as text and PostgreSQL casts them; JSON values as their JSON text. */
function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
