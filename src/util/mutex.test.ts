import { describe, expect, it } from 'vitest';
import { Mutex } from './mutex.js';

describe('Mutex', () => {
  it('runs holders one at a time, in arrival order', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const task = async (name: string, ms: number) => {
      const release = await mutex.lock();
      log.push(`${name} in`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name} out`);
      release();
    };
    await Promise.all([task('a', 20), task('b', 1), task('c', 5)]);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });
});

describe('Mutex.tryLock and release', () => {
  it('takes a free mutex at once and refuses a held one; waiters get it in order', async () => {
    const mutex = new Mutex();
    const first = mutex.tryLock();
    expect(first).not.toBeNull();
    expect(mutex.tryLock()).toBeNull();
    const order: string[] = [];
    const b = mutex.lock().then((release) => (order.push('b'), release));
    const c = mutex.lock().then((release) => (order.push('c'), release));
    expect(mutex.queued).toBe(2);
    first!();
    const releaseB = await b;
    expect(order).toEqual(['b']);
    expect(mutex.tryLock()).toBeNull();
    releaseB();
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect(mutex.tryLock()).not.toBeNull();
  });

  it('a release called twice does not free the next holder', async () => {
    const mutex = new Mutex();
    const first = mutex.tryLock()!;
    const second = mutex.lock();
    first();
    first();
    await second;
    expect(mutex.tryLock()).toBeNull();
  });
});
