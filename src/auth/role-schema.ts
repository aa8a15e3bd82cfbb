/**
 * Each role's view of the schema: the tables it may use, each narrowed to the columns it may read
 * and carrying its rules (`Table.access`), and only the relationships between tables it may read.
 * The planner then works on the view as on any schema, so a table or column the role may not see
 * is "not found" with hints drawn only from what it may see, and every path a row can leave by
 * (lists, row URLs, embeddings, counts, CSV) goes through the same planner code that adds the
 * rule filters. Views are built once per schema version and role.
 */
import { ConfigError } from '../config.js';
import { RowgateError } from '../errors/rowgate-error.js';
import type { Condition } from '../request/types.js';
import { makeTable, type Schema, type Table } from '../schema/model.js';
import type { Operation, RoleRule, RulesConfig } from './auth-config.js';
import { parseRuleFilter } from './rule-filter.js';
import { rulePredicate } from './rule-predicate.js';
import type { OperationAccess, RuleFilter, TableAccess } from './table-access.js';
import { relationshipsOf, type DirectRelationship } from '../schema/relationships.js';

const OPERATIONS: readonly Operation[] = ['select', 'insert', 'update', 'delete'];
/** The role that bypasses every rule. */
export const SERVICE_ROLE = 'service';
/** A role no rule names: it may use nothing. One shared view for all of them. */
const NOBODY = '\u0000nobody';

type CompiledTableRules = Map<Operation, Map<string, OperationAccess>>;

export class RoleViews {
  private readonly tables = new Map<string, CompiledTableRules>();
  /** Every role some rule names. */
  readonly roles = new Set<string>();
  private readonly views = new WeakMap<Schema, Map<string, Schema>>();

  constructor(rules: RulesConfig) {
    for (const [table, byOperation] of Object.entries(rules)) {
      const compiled: CompiledTableRules = new Map();
      for (const op of OPERATIONS) {
        const byRole = new Map<string, OperationAccess>();
        for (const [role, rule] of Object.entries(byOperation[op] ?? {})) {
          if (role === SERVICE_ROLE) throw new ConfigError(`rules.${table}.${op}.${role}: the service role bypasses rules; leave it out`);
          byRole.set(role, compileRule(rule, op, `rules.${table}.${op}.${role}`));
          this.roles.add(role);
        }
        compiled.set(op, byRole);
      }
      this.tables.set(table, compiled);
    }
  }

  /** The schema `role` sees. Throws ConfigError when a rule names what the schema lacks. */
  viewFor(schema: Schema, role: string): Schema {
    if (role === SERVICE_ROLE) return schema;
    const key = this.roles.has(role) ? role : NOBODY;
    let byRole = this.views.get(schema);
    if (!byRole) {
      byRole = new Map();
      this.views.set(schema, byRole);
    }
    let view = byRole.get(key);
    if (!view) {
      view = this.buildView(schema, key);
      byRole.set(key, view);
    }
    return view;
  }

  /** Builds every role's view now, so mistakes in rules stop the server at start-up. */
  checkAgainst(schema: Schema): void {
    for (const name of this.tables.keys()) {
      if (name !== '*' && !schema.tables.has(name)) throw new ConfigError(`rules.${name}: there is no table '${name}'`);
    }
    for (const role of this.roles) this.viewFor(schema, role);
  }

  private buildView(schema: Schema, role: string): Schema {
    const access = new Map<string, TableAccess>();
    for (const table of schema.tables.values()) {
      const rules = this.tables.get(table.name) ?? this.tables.get('*');
      if (!rules) continue;
      const ops = Object.fromEntries(OPERATIONS.map((op) => [op, rules.get(op)?.get(role) ?? null])) as Record<Operation, OperationAccess | null>;
      if (OPERATIONS.every((op) => ops[op] === null)) continue;
      const relations = relationsNamed(schema, table, ops);
      for (const op of OPERATIONS) checkRule(ops[op], table, relations, `rules.${this.tables.has(table.name) ? table.name : '*'}.${op}.${role}`);
      access.set(table.name, { role, base: table, ...ops, relations });
    }
    const readable = (name: string) => access.get(name)?.select != null;
    const tables: Table[] = [];
    for (const a of access.values()) {
      const base = a.base;
      const allowed = a.select ? a.select.columns : new Set<string>();
      const visible = (c: string) => allowed === null || allowed.has(c);
      const columns = base.columns.filter((c) => visible(c.name));
      tables.push(
        makeTable({
          ...base,
          columns,
          primaryKey: base.primaryKey.every(visible) ? base.primaryKey : [],
          rowidKey: a.select ? base.rowidKey : null,
          // Embedding follows a foreign key only between tables the role reads, over columns it sees.
          foreignKeys: base.foreignKeys.filter((fk) => {
            if (!a.select || !readable(fk.referencedTable) || !fk.columns.every(visible)) return false;
            const target = access.get(fk.referencedTable)!;
            const cols = target.select!.columns;
            return cols === null || fk.referencedColumns.every((c) => cols.has(c));
          }),
          uniqueConstraints: base.uniqueConstraints.filter((u) => u.columns.every(visible)),
          textSearch: base.textSearch && base.textSearch.columns.every(visible) ? base.textSearch : null,
          access: a,
        } as Omit<Table, 'columnsByName'>),
      );
    }
    // Database functions are called with the definer's rights; under rules only the service role reaches them.
    return Object.freeze({ tables: new Map(tables.map((t) => [t.name, t])), functions: new Map(), version: schema.version });
  }
}

function compileRule(rule: RoleRule, op: Operation, where: string): OperationAccess {
  if (rule === true) return { filter: null, columns: null, check: null };
  if (rule.check && (op === 'select' || op === 'delete')) throw new ConfigError(`${where}.check: only inserts and updates have new values to check`);
  if (rule.filter && op === 'insert') throw new ConfigError(`${where}.filter: an insert has no existing rows to filter; use check`);
  if (rule.columns && op === 'delete') throw new ConfigError(`${where}.columns: a delete removes whole rows`);
  const check = rule.check ? parseRuleFilter(rule.check, `${where}.check`) : null;
  if (check) checkOnlySimpleFilters(check.conditions, `${where}.check`);
  if (check && check.related.length > 0) throw new ConfigError(`${where}.check: checks see the new row only, not the tables it references`);
  return {
    filter: rule.filter ? parseRuleFilter(rule.filter, `${where}.filter`) : null,
    columns: rule.columns ? new Set(rule.columns) : null,
    check,
  };
}

/** Checks run in memory on the body's values, so they take the operators that evaluation knows. */
function checkOnlySimpleFilters(conditions: readonly Condition[], where: string): void {
  for (const c of conditions) {
    if (c.kind !== 'filter') {
      checkOnlySimpleFilters(c.conditions, where);
      continue;
    }
    if (c.field.jsonPath.length > 0) throw new ConfigError(`${where}: JSON paths are not allowed in checks`);
    if (!['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'is'].includes(c.operator)) {
      throw new ConfigError(`${where}: checks take eq, neq, gt, gte, lt, lte, in and is, not ${c.operator}`);
    }
    if (c.value.kind === 'quantified') throw new ConfigError(`${where}: checks take no any/all quantifiers`);
  }
}

/** The many-to-one relationships the table's rule filters follow, by the name they use. */
function relationsNamed(schema: Schema, table: Table, ops: Record<Operation, OperationAccess | null>): Map<string, DirectRelationship> {
  const names = new Set(OPERATIONS.flatMap((op) => ops[op]?.filter?.related.map((r) => r.relation) ?? []));
  const out = new Map<string, DirectRelationship>();
  for (const name of names) {
    const found = relationshipsOf(schema, table).filter(
      (r): r is DirectRelationship => r.kind === 'direct' && r.forward && (r.target.name === name || r.constraint.name === name),
    );
    if (found.length !== 1) {
      throw new ConfigError(`rules.${table.name}: '${name}' must name exactly one table '${table.name}' references by a foreign key (found ${found.length})`);
    }
    out.set(name, found[0]);
  }
  return out;
}

/** Every column a rule names must exist; filters must plan (right operators for the types). */
function checkRule(access: OperationAccess | null, table: Table, relations: ReadonlyMap<string, DirectRelationship>, where: string): void {
  if (!access) return;
  for (const c of access.columns ?? []) {
    if (!table.columnsByName.has(c)) throw new ConfigError(`${where}.columns: table '${table.name}' has no column '${c}'`);
  }
  for (const [kind, filter] of [['filter', access.filter], ['check', access.check]] as const) {
    if (!filter) continue;
    try {
      const planned = rulePredicate(filter as RuleFilter, table, null, relations);
      if (JSON.stringify(planned).includes('"kind":"search"')) throw new ConfigError(`full-text search is not available in rules`);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`${where}.${kind}: ${e.message}`);
      if (e instanceof RowgateError) throw new ConfigError(`${where}.${kind}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
      throw e;
    }
  }
}
