import { describe, expect, it } from 'vitest';
import { orderedLimit } from './ordered-limit.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('orderedLimit', () => {
  it('runs at most `concurrency` tasks, and starts the waiting ones lowest order first', async () => {
    const limit = orderedLimit(2);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string) => async () => {
      started.push(name);
      most = Math.max(most, ++running);
      await tick();
      running--;
      return name;
    };
    // Image 0..4's first steps arrive first; image 0's second step arrives after them all.
    const firsts = [0, 1, 2, 3, 4].map((order) => limit(task(`${order}a`), order));
    const second = limit(task('0b'), 0);
    const unordered = limit(task('x'));
    expect(await Promise.all([...firsts, second, unordered])).toEqual([
      '0a',
      '1a',
      '2a',
      '3a',
      '4a',
      '0b',
      'x',
    ]);
    expect(most).toBe(2);
    // 0a and 1a start at once; then 0b goes before 2a, 3a and 4a, and the unordered last.
    expect(started).toEqual(['0a', '1a', '0b', '2a', '3a', '4a', 'x']);
  });

  it('keeps first come, first served among equals, and goes on after a failure', async () => {
    const limit = orderedLimit(1);
    const started: number[] = [];
    const failing = limit(async () => {
      started.push(0);
      throw new Error('no');
    }, 1);
    const rest = [1, 2, 3].map((n) =>
      limit(async () => {
        started.push(n);
      }, 1),
    );
    await expect(failing).rejects.toThrow('no');
    await Promise.all(rest);
    expect(started).toEqual([0, 1, 2, 3]);
  });
});
