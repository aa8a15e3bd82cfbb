/**
 * The parts of accounts that need no database: password hashing, refresh tokens, body reading and
 * the rate limiter with its bounded store, on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../../src/auth/accounts/passwords.js';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from '../../src/auth/accounts/refresh-tokens.js';
import { readEmail, readJsonObject, readMetadata } from '../../src/auth/accounts/request-body.js';
import { AuthError } from '../../src/auth/accounts/auth-errors.js';
import { AuthRateLimiter, MemoryRateLimitStore, RateLimitedError } from '../../src/auth/rate-limit.js';

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies in constant time', async () => {
    const a = await hashPassword('hunter2hunter2');
    const b = await hashPassword('hunter2hunter2');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('hunter2hunter2', a)).toBe(true);
    expect(await verifyPassword('hunter2hunter2', b)).toBe(true);
    expect(await verifyPassword('hunter2hunter3', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('refuses malformed or hostile stored hashes without trying them', async () => {
    const good = await hashPassword('pw-123456');
    const parts = good.split('$');
    for (const bad of ['', 'plain', 'bcrypt$2b$10$abc', good.replace('16384', '16385'), good.replace('16384', String(1 << 30)), [...parts.slice(0, 5), ''].join('$'), `${good}$extra`]) {
      expect(await verifyPassword('pw-123456', bad), bad).toBe(false);
    }
  });

  it('spends about the time of a real check on an unknown account', async () => {
    const stored = await hashPassword('pw-abcdefg');
    await verifyAgainstDecoy('warm up');
    const time = async (work: () => Promise<unknown>) => {
      const start = performance.now();
      for (let i = 0; i < 3; i++) await work();
      return performance.now() - start;
    };
    const real = await time(() => verifyPassword('wrong', stored));
    const decoy = await time(() => verifyAgainstDecoy('wrong'));
    expect(await verifyAgainstDecoy('x')).toBe(false);
    expect(decoy).toBeGreaterThan(real * 0.3);
    expect(decoy).toBeLessThan(real * 3.5);
  });
});

describe('refresh tokens', () => {
  it('are 256 random bits in base64url, stored as their SHA-256', () => {
    const t = newRefreshToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newRefreshToken()).not.toBe(t);
    expect(looksLikeRefreshToken(t)).toBe(true);
    expect(looksLikeRefreshToken(`${t}=`)).toBe(false);
    expect(looksLikeRefreshToken('a'.repeat(42))).toBe(false);
    expect(hashRefreshToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(t)).toBe(hashRefreshToken(t));
  });
});

describe('request bodies', () => {
  const code = (work: () => unknown) => {
    try {
      work();
      return null;
    } catch (e) {
      return e instanceof AuthError ? `${e.status} ${e.errorCode}` : String(e);
    }
  };

  it('reads JSON objects from text, Buffers and parsed bodies', () => {
    expect(readJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(readJsonObject(Buffer.from('{"a":2}'))).toEqual({ a: 2 });
    expect(readJsonObject({ a: 3 })).toEqual({ a: 3 });
    expect(readJsonObject(undefined)).toEqual({});
    expect(readJsonObject('  ')).toEqual({});
    for (const bad of ['{', '[]', '1', 'null', '"s"', `${'['.repeat(100_000)}`]) expect(code(() => readJsonObject(bad)), bad.slice(0, 10)).toBe('400 bad_json');
  });

  it('lowercases and checks addresses, and bounds metadata', () => {
    expect(readEmail({ email: '  Ada@Example.COM ' })).toBe('ada@example.com');
    expect(code(() => readEmail({ email: 'ada@' }))).toBe('400 validation_failed');
    expect(code(() => readEmail({ email: ['a@b.c'] }))).toBe('400 validation_failed');
    expect(code(() => readEmail({}))).toBe('400 validation_failed');
    expect(readMetadata({ data: { a: [1, { b: null }] } })).toEqual({ a: [1, { b: null }] });
    expect(readMetadata({})).toBeUndefined();
    expect(code(() => readMetadata({ data: { big: 'x'.repeat(9000) } }))).toBe('400 validation_failed');
    // A `__proto__` key stays an ordinary key and changes no prototype.
    const parsed = readMetadata(readJsonObject('{"data":{"__proto__":{"polluted":true}}}'))!;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('rate limits', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('counts per key in fixed windows that reopen when they end', async () => {
    const c = clock();
    const store = new MemoryRateLimitStore(100, c.now);
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetAt: 1_001_000 });
    expect((await store.hit('k', 1000)).count).toBe(2);
    expect((await store.peek('k'))?.count).toBe(2);
    c.advance(1000);
    expect(await store.peek('k')).toBeNull();
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetAt: 1_002_000 });
    await store.reset('k');
    expect(await store.peek('k')).toBeNull();
  });

  it('keeps at most maxKeys windows: expired ones go first, then the oldest', async () => {
    const c = clock();
    const store = new MemoryRateLimitStore(3, c.now);
    await store.hit('short', 10);
    await store.hit('a', 10_000);
    await store.hit('b', 10_000);
    c.advance(20);
    await store.hit('c', 10_000); // 'short' expired: swept, the others stay
    expect([await store.peek('a'), await store.peek('b')].every((x) => x?.count === 1)).toBe(true);
    await store.hit('d', 10_000); // full of live windows: the oldest ('a') goes
    expect(await store.peek('a')).toBeNull();
    expect(store.size).toBe(3);
    for (let i = 0; i < 10_000; i++) await store.hit(`flood${i}`, 10_000);
    expect(store.size).toBe(3);
  });

  it('limits attempts per address and failures per account, with the seconds left', async () => {
    const c = clock();
    const limiter = new AuthRateLimiter({ perIp: { max: 3, windowSeconds: 60 }, perAccount: { max: 2, windowSeconds: 30 } }, new MemoryRateLimitStore(1000, c.now), c.now);
    for (let i = 0; i < 3; i++) await limiter.attemptFrom('1.2.3.4');
    c.advance(15_500);
    const refused = await limiter.attemptFrom('1.2.3.4').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(45);
    await limiter.attemptFrom('5.6.7.8');
    c.advance(45_000);
    await limiter.attemptFrom('1.2.3.4');

    await limiter.checkAccount('login', 'a@b.c');
    await limiter.countAccount('login', 'A@B.C');
    await limiter.countAccount('login', 'a@b.c');
    await expect(limiter.checkAccount('login', 'a@b.c')).rejects.toBeInstanceOf(RateLimitedError);
    await limiter.checkAccount('signup', 'a@b.c'); // counted apart
    await limiter.clearAccount('login', 'a@b.c');
    await limiter.checkAccount('login', 'a@b.c');
  });

  it('defaults to 30 attempts per minute per address and 5 per account', () => {
    const limiter = new AuthRateLimiter();
    expect(limiter.perIp).toEqual({ max: 30, windowSeconds: 60 });
    expect(limiter.perAccount).toEqual({ max: 5, windowSeconds: 60 });
  });
});
