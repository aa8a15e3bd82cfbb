/**
 * The demo shop with accounts and row-level rules: anyone reads categories and products,
 * customers sign up at /auth/v1/signup, order through place_order and see only their own orders;
 * the service key sees everything. Secrets come from the environment, never from this file:
 *
 *   export ROWGATE_JWT_SECRET=$(openssl rand -hex 32)
 *   export ROWGATE_ANON_KEY=$(openssl rand -hex 24) ROWGATE_SERVICE_KEY=$(openssl rand -hex 24)
 *   node bin/rowgate.js serve --config examples/shop-auth.config.ts
 */
import { defineConfig } from '../dist/index.js';
import { shopActions, shopHooks } from '../dist/demo/shop-actions.js';
import { SHOP_RULES, shopAuth } from '../dist/demo/shop-auth.js';

function secret(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: see the comment at the top of examples/shop-auth.config.ts`);
  return value;
}

export default defineConfig({
  actions: shopActions,
  hooks: shopHooks,
  auth: shopAuth({ jwtSecret: secret('ROWGATE_JWT_SECRET'), anonKey: secret('ROWGATE_ANON_KEY'), serviceKey: secret('ROWGATE_SERVICE_KEY') }),
  rules: SHOP_RULES,
  cors: { origins: ['http://localhost:5173'] },
});
