/**
 * Decides, from SQLite's `EXPLAIN QUERY PLAN`, whether a read is surely short (runs on the main
 * thread, where nothing can interrupt it) or may run long (runs in a read worker, which can be
 * killed at the statement timeout). Pure: the plan rows and table sizes in, a verdict out.
 *
 * The rule, per plan step (every step must be short for the read to be short):
 * - `SEARCH t USING … (a=? AND b=?)`: an equality lookup through the rowid, the primary key or an
 *   index is short, whatever the table's size;
 * - a range `SEARCH` (`a>?`, `rowid<?`) walks as many entries as the range holds, which a filter on
 *   another column can make the whole index: short only on a small table;
 * - `SCAN t` (with or without an index, covering or not) and `SEARCH t USING AUTOMATIC … INDEX`
 *   (SQLite builds that index by scanning t first): short only on a small table. A `LIMIT` does not
 *   bound a scan whose filter rejects most rows, and the plan does not say whether there is one;
 * - a table is small when neither `sqlite_stat1` (ANALYZE) nor a capped count says it holds more
 *   than `LONG_SCAN_ROWS`; a name that is no table (a view's alias we cannot resolve) is not small;
 * - scanning a `CO-ROUTINE`/`MATERIALIZE`d subquery is as short as the subquery's own steps;
 * - a recursive CTE (`SETUP`, `RECURSIVE STEP`) may run for ever: long;
 * - virtual tables: `json_each`/`json_tree` walk a bound value (short); any other module (FTS5) may
 *   walk a whole index: long;
 * - everything else (`USE TEMP B-TREE`, `SCALAR SUBQUERY`, `LIST SUBQUERY`, `COMPOUND QUERY`,
 *   `MULTI-INDEX OR`, `BLOOM FILTER`, `SCAN CONSTANT ROW`, …) only groups or sorts the rows of the
 *   steps that are checked themselves.
 * A correlated subquery runs once per outer row; outer and inner steps are each short only when
 * they are bounded, so their product is too (up to the threshold squared in the worst case).
 */

/** A scan of a table with more rows than this may run long. */
export const LONG_SCAN_ROWS = 10_000;

export interface PlanStep {
  readonly id: number;
  readonly parent: number;
  readonly detail: string;
}

export interface ReadClass {
  readonly long: boolean;
  /** Why, for logs and tests: the first step that made it long, or 'short'. */
  readonly reason: string;
}

/**
 * `rowsOf(name)`: the row count (or an upper estimate) of the table behind a plan name, or null
 * when the name is no table. The caller resolves aliases (`products as "p_1"` shows as `SCAN p_1`).
 */
export function classifyPlan(steps: readonly PlanStep[], rowsOf: (name: string) => number | null, threshold = LONG_SCAN_ROWS): ReadClass {
  const subqueries = new Set<string>();
  for (const step of steps) {
    const m = /^(?:CO-ROUTINE|MATERIALIZE) (.+)$/.exec(step.detail);
    if (m) subqueries.add(m[1]!);
  }
  const small = (name: string): boolean => {
    const rows = rowsOf(name);
    return rows !== null && rows <= threshold;
  };
  for (const { detail } of steps) {
    if (detail === 'SETUP' || detail.startsWith('RECURSIVE STEP')) return { long: true, reason: `recursive query (${detail})` };
    const access = /^(SCAN|SEARCH) (.+?)(?: (USING .*|VIRTUAL TABLE.*))?$/.exec(detail);
    if (!access) continue;
    const [, kind, name, how = ''] = access as unknown as [string, 'SCAN' | 'SEARCH', string, string | undefined];
    if (name === 'CONSTANT ROW') continue;
    if (how.startsWith('VIRTUAL TABLE')) {
      if (name === 'json_each' || name === 'json_tree') continue;
      return { long: true, reason: `virtual table scan (${detail})` };
    }
    if (kind === 'SCAN') {
      if (subqueries.has(name)) continue;
      if (small(name)) continue;
      return { long: true, reason: `scan of a large or unknown table (${detail})` };
    }
    // SEARCH: the constraint list in the last parentheses, e.g. (a=? AND b>?).
    if (/AUTOMATIC/.test(how)) {
      if (small(name)) continue;
      return { long: true, reason: `automatic index over a large or unknown table (${detail})` };
    }
    const constraints = /\(([^()]*)\)\s*$/.exec(how)?.[1] ?? '';
    const range = /[<>]/.test(constraints);
    if (!range || small(name)) continue;
    return { long: true, reason: `range search on a large or unknown table (${detail})` };
  }
  return { long: false, reason: 'short' };
}

/**
 * Table aliases in SQL rowgate compiled: `"table" as "alias"` -> alias -> [table, …]. A column
 * alias matches too (`"col" as "key"`); the caller keeps only names that are tables, so a stray
 * entry can only make a read look longer, never shorter.
 */
export function aliasesOf(sql: string): Map<string, string[]> {
  const aliases = new Map<string, string[]>();
  const quoted = '"((?:[^"]|"")+)"';
  const re = new RegExp(`${quoted}\\s+as\\s+${quoted}`, 'gi');
  for (const m of sql.matchAll(re)) {
    const target = m[1]!.replaceAll('""', '"');
    const alias = m[2]!.replaceAll('""', '"');
    const list = aliases.get(alias) ?? [];
    if (!list.includes(target)) list.push(target);
    aliases.set(alias, list);
  }
  return aliases;
}
