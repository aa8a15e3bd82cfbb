/**
 * Auth settings that must stop the server before it serves anything: binding beyond loopback
 * without auth, serving rowgate's own schema, and rules that name what the schema lacks or mean
 * nothing. Each error names the key, so the fix is obvious.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, createServer, type RowgateOptions } from '../../src/index.js';
import { resolveOptions } from '../../src/config.js';
import { sqliteHarness } from '../helpers/engines.js';

describe('start-up refusals', () => {
  it('refuses a non-loopback address without auth or --anon, and allows it with auth', () => {
    expect(() => resolveOptions({ db: 'x.db', host: '0.0.0.0' })).toThrow(/Refusing to listen on 0\.0\.0\.0/);
    expect(resolveOptions({ db: 'x.db', host: '0.0.0.0', auth: { apiKeys: { anon: 'anon-key-0123456789' } } }).host).toBe('0.0.0.0');
    expect(resolveOptions({ db: 'x.db', host: '0.0.0.0', anon: 'read' }).anon).toBe('read');
  });

  it('never serves the schema that holds the accounts', () => {
    expect(() => resolveOptions({ db: 'postgres://x/y', schemas: ['public', 'rowgate'] })).toThrow(ConfigError);
  });

  const withRules = async (rules: RowgateOptions['rules']) => {
    const database = await sqliteHarness.createShop!();
    try {
      const server = await createServer({ db: database.url, logLevel: 'silent', auth: { apiKeys: { anon: 'anon-key-0123456789' } }, rules });
      await server.close();
    } finally {
      await database.drop();
    }
  };

  it.each([
    ['an unknown table', { nosuch: { select: { anon: true } } }, /rules\.nosuch: there is no table 'nosuch'/],
    ['an unknown column in a filter', { orders: { select: { authenticated: { filter: 'owner=eq.{auth.uid}' } } } }, /rules\.orders\.select\.authenticated\.filter: .*owner/],
    ['an unknown column in an allow-list', { customers: { select: { authenticated: { columns: ['id', 'secret'] } } } }, /rules\.customers\.select\.authenticated\.columns: .*'secret'/],
    ['a check on select', { orders: { select: { authenticated: { check: 'status=eq.pending' } } } }, /check: only inserts and updates/],
    ['a filter on insert', { orders: { insert: { authenticated: { filter: 'status=eq.pending' } } } }, /use check/],
    ['an unknown caller reference', { orders: { select: { authenticated: { filter: 'customer_id=eq.{auth.password}' } } } }, /not a caller reference/],
    ['a rule for the service role', { orders: { select: { service: true } } }, /bypasses rules/],
    ['grammar that does not parse', { orders: { select: { authenticated: { filter: 'or=(status.eq.a' } } } }, /does not parse/],
    ['a related table without a foreign key', { orders: { select: { authenticated: { filter: 'products.id=eq.1' } } } }, /must name exactly one table/],
  ])('refuses rules with %s', async (_what, rules, message) => {
    await expect(withRules(rules as RowgateOptions['rules'])).rejects.toThrow(message);
  });

  it('starts with the demo shop rules', async () => {
    const { SHOP_RULES } = await import('../../src/demo/shop-auth.js');
    await expect(withRules(SHOP_RULES)).resolves.toBeUndefined();
  });
});
