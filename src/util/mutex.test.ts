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
