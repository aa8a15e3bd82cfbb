/**
 * Rate-limit counters in Redis, so every rowgate process (`--workers`, several hosts) counts
 * against one budget: without it an attacker gets one budget per process. Each hit is one MULTI:
 * open the window if none is open (`SET … PX NX`), count, and read the time left.
 *
 * If Redis cannot be reached, counting falls back to this process's memory (and says so once in
 * the log) rather than refusing every login or letting every attempt through.
 */
import { Redis } from 'ioredis';
import { MemoryRateLimitStore, type RateLimitStore, type WindowCount } from './rate-limit.js';

const PREFIX = 'rowgate:ratelimit:';

export class RedisRateLimitStore implements RateLimitStore {
  private readonly fallback = new MemoryRateLimitStore();
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly onFallback: (error: Error) => void = () => {},
  ) {}

  static connect(url: string, onFallback?: (error: Error) => void): RedisRateLimitStore {
    // Fail fast while Redis is away (the fallback counts meanwhile), reconnect in the background.
    const redis = new Redis(url, { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 });
    redis.on('error', () => {});
    return new RedisRateLimitStore(redis, onFallback);
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      const k = PREFIX + key;
      const results = await this.redis.multi().set(k, '0', 'PX', windowMs, 'NX').incr(k).pttl(k).exec();
      const count = Number(results?.[1]?.[1]);
      const ttl = Number(results?.[2]?.[1]);
      if (!Number.isFinite(count)) throw new Error('unexpected answer from Redis');
      return { count, resetAt: Date.now() + (ttl > 0 ? ttl : windowMs) };
    } catch (e) {
      this.fellBack(e);
      return this.fallback.hit(key, windowMs);
    }
  }

  async peek(key: string): Promise<WindowCount | null> {
    try {
      const k = PREFIX + key;
      const results = await this.redis.multi().get(k).pttl(k).exec();
      const value = results?.[0]?.[1];
      const ttl = Number(results?.[1]?.[1]);
      if (value === null || value === undefined || ttl <= 0) return null;
      return { count: Number(value), resetAt: Date.now() + ttl };
    } catch (e) {
      this.fellBack(e);
      return this.fallback.peek(key);
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.redis.del(PREFIX + key);
    } catch (e) {
      this.fellBack(e);
    }
    await this.fallback.reset(key);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private fellBack(e: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.onFallback(e instanceof Error ? e : new Error(String(e)));
  }
}
