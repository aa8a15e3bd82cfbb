/**
 * Chooses the relationship an embedding means: `select=*,categories(name)` from products, with
 * `!hint` to pick among several (a constraint, a column of the key, or a junction table). No
 * match is PGRST200; several are PostgREST's 300 (PGRST201) listing the candidates.
 */
import { rowgateError } from '../errors/catalog.js';
import type { Schema, Table } from '../schema/model.js';
import { relationshipName, relationshipsOf, type Relationship } from '../schema/relationships.js';
import { closestMatch } from '../util/closest-match.js';

export function resolveRelationship(schema: Schema, from: Table, target: string, hint: string | null): Relationship {
  const all = relationshipsOf(schema, from);
  let candidates = all.filter((r) => r.target.name === target);
  if (candidates.length === 0) {
    // PostgREST also embeds by the foreign key's column or constraint name: `select=category_id(name)`.
    candidates = all.filter((r) => r.kind === 'direct' && r.forward && (r.constraint.name === target || (r.pairs.length === 1 && r.pairs[0][0] === target)));
  }
  if (hint !== null) candidates = candidates.filter((r) => matchesHint(r, hint));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    const known = [...new Set(all.map((r) => r.target.name))];
    const closest = closestMatch(target, known);
    throw rowgateError('PGRST200', `Could not find a relationship between '${from.name}' and '${target}' in the schema cache`, {
      details: hint ? `Searched for a foreign key relationship using the hint '${hint}'` : null,
      hint: closest ? `Perhaps you meant '${closest}' instead of '${target}'.` : null,
    });
  }
  throw rowgateError('PGRST201', `Could not embed because more than one relationship was found for '${from.name}' and '${target}'`, {
    details: candidates.map((r) => `${r.cardinality} via ${relationshipName(r)}`).join('; '),
    hint: `Try changing '${target}' to one of the following: ${candidates.map((r) => `'${target}!${relationshipName(r)}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  });
}

function matchesHint(r: Relationship, hint: string): boolean {
  if (r.kind === 'junction') return r.junction.name === hint || r.sourceKey.name === hint || r.targetKey.name === hint;
  // A self-referencing key relates a row to its parent and to its children; the column hint
  // (`employees!manager_id`) means the parent, the constraint hint (`!employees_manager_id_fkey`) the children.
  if (r.source === r.target) return r.forward ? r.constraint.columns.length === 1 && r.constraint.columns[0] === hint : r.constraint.name === hint;
  if (r.constraint.name === hint) return true;
  // A column hint names the foreign key's column on whichever side holds it.
  return r.constraint.columns.length === 1 && r.constraint.columns[0] === hint;
}
