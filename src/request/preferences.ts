/**
 * The `Prefer` header (RFC 7240) as PostgREST 12 reads it: several headers and comma-separated
 * lists, the first value of each preference wins, and anything not understood is collected in
 * `invalid`, which is an error only under `handling=strict`. Whether a preference is allowed
 * (e.g. `tx=` only when the configuration permits) is decided by later stages.
 */
import { rowgateError } from '../errors/catalog.js';
import type { Preferences } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Each accepted `name=value` and the field it sets. */
const ENUMERATED: ReadonlyMap<string, readonly [keyof Preferences, string]> = new Map(Object.entries({
  'return=minimal': ['return', 'minimal'],
  'return=headers-only': ['return', 'headers-only'],
  'return=representation': ['return', 'representation'],
  'count=exact': ['count', 'exact'],
  'count=planned': ['count', 'planned'],
  'count=estimated': ['count', 'estimated'],
  'resolution=merge-duplicates': ['resolution', 'merge-duplicates'],
  'resolution=ignore-duplicates': ['resolution', 'ignore-duplicates'],
  'missing=default': ['missing', 'default'],
  'missing=null': ['missing', 'null'],
  'tx=commit': ['tx', 'commit'],
  'tx=rollback': ['tx', 'rollback'],
  'handling=strict': ['handling', 'strict'],
  'handling=lenient': ['handling', 'lenient'],
} satisfies Record<string, readonly [keyof Preferences, string]>));

/**
 * `Prefer: return=representation, count=exact` (plus more `Prefer` headers) →
 * `{ return: 'representation', count: 'exact', …, invalid: [] }`.
 *
 * Also understood: `timezone=Europe/Paris`, `max-affected=10` (digits), and
 * `params=single-object` (accepted and ignored: every rowgate RPC takes its arguments as one object).
 * Names and values are case-sensitive, as in PostgREST. Empty list items (`a=b,`) are skipped
 * rather than reported. Error: `Prefer: handling=strict, bogus` → PGRST122 (400)
 * `Invalid preferences given with handling=strict`, details `Invalid preferences: bogus`.
 */
export function parsePreferences(header: string | readonly string[] | undefined): Preferences {
  const prefs: Mutable<Preferences> = {
    return: null,
    count: null,
    resolution: null,
    missing: null,
    tx: null,
    handling: null,
    maxAffected: null,
    timezone: null,
    invalid: [],
  };
  if (header === undefined) return prefs;
  const invalid: string[] = [];
  const text = typeof header === 'string' ? header : header.join(',');
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const known = ENUMERATED.get(item);
    if (known !== undefined) {
      const [field, value] = known;
      (prefs as Record<string, unknown>)[field] ??= value;
    } else if (item.startsWith('timezone=') && item.length > 'timezone='.length) {
      prefs.timezone ??= item.slice('timezone='.length);
    } else if (item.startsWith('max-affected=') && isCount(item, 'max-affected='.length)) {
      prefs.maxAffected ??= Number(item.slice('max-affected='.length));
    } else if (item !== 'params=single-object') {
      invalid.push(item);
    }
  }
  prefs.invalid = invalid;
  if (prefs.handling === 'strict' && invalid.length > 0) {
    throw rowgateError('PGRST122', 'Invalid preferences given with handling=strict', {
      details: `Invalid preferences: ${invalid.join(', ')}`,
    });
  }
  return prefs;
}

/** Digits only, and small enough to stay an exact number. */
function isCount(s: string, from: number): boolean {
  if (s.length === from || s.length - from > 15) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
