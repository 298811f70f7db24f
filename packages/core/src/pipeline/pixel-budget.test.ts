import { describe, expect, it } from 'vitest';
import { createPixelBudget } from './pixel-budget.js';

/** A task that records when it runs and finishes only when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, task: () => opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createPixelBudget', () => {
  it('runs light tasks side by side up to maxActive', async () => {
    const limit = createPixelBudget(100, 2);
    const running: string[] = [];
    const gates = ['a', 'b', 'c'].map((name) => {
      const g = gate();
      const done = limit(10, async () => {
        running.push(name);
        await g.task();
      });
      return { ...g, done };
    });
    await tick();
    expect(running).toEqual(['a', 'b']);
    gates[0]?.open();
    await gates[0]?.done;
    await tick();
    expect(running).toEqual(['a', 'b', 'c']);
    for (const g of gates) g.open();
    await Promise.all(gates.map((g) => g.done));
  });

  it('runs tasks one at a time when together they would exceed the budget', async () => {
    const limit = createPixelBudget(100, 2);
    const log: string[] = [];
    const first = gate();
    const a = limit(60, async () => {
      log.push('start a');
      await first.task();
      log.push('end a');
    });
    const b = limit(60, async () => {
      log.push('start b');
    });
    await tick();
    expect(log).toEqual(['start a']);
    first.open();
    await Promise.all([a, b]);
    expect(log).toEqual(['start a', 'end a', 'start b']);
  });

  it('runs a task heavier than the whole budget alone, and keeps queue order', async () => {
    const limit = createPixelBudget(100, 2);
    const log: string[] = [];
    const heavy = gate();
    const h = limit(500, async () => {
      log.push('heavy');
      await heavy.task();
    });
    const light = limit(1, async () => {
      log.push('light');
    });
    await tick();
    expect(log).toEqual(['heavy']);
    heavy.open();
    await Promise.all([h, light]);
    expect(log).toEqual(['heavy', 'light']);
  });

  it('passes results and errors through and frees the budget after a failure', async () => {
    const limit = createPixelBudget(100, 1);
    await expect(limit(10, async () => 'ok')).resolves.toBe('ok');
    await expect(limit(10, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(10, async () => 'after')).resolves.toBe('after');
  });
});
