import { describe, expect, it } from 'vitest';
import { createPixelBudget } from './pixel-budget.js';
import { sharedSlot } from './shared-slot.js';

/** A task that runs until `finish` is called, noting when it starts. */
function held(log: string[], name: string) {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    finish,
    run: async () => {
      log.push(`${name} starts`);
      await done;
      log.push(`${name} ends`);
      return name;
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('sharedSlot', () => {
  it('starts the works that joined one slot together, and frees it once the last has ended', async () => {
    const budget = createPixelBudget(100, 1);
    const log: string[] = [];
    const other = held(log, 'other image');
    const before = budget(100, other.run);
    const slot = sharedSlot((task) => budget(100, task));
    const set = held(log, 'set');
    const card = held(log, 'card');
    const joined = [slot(set.run), slot(card.run)];
    const after = held(log, 'next image');
    const next = budget(100, after.run);
    await tick();
    expect(log).toEqual(['other image starts']);
    other.finish();
    await before;
    await tick();
    // Both in the one slot, side by side.
    expect(log).toEqual(['other image starts', 'other image ends', 'set starts', 'card starts']);
    card.finish();
    await tick();
    expect(log).not.toContain('next image starts');
    set.finish();
    expect(await Promise.all(joined)).toEqual(['set', 'card']);
    await tick();
    expect(log.slice(-2)).toEqual(['set ends', 'next image starts']);
    after.finish();
    await next;
  });

  it('takes a new slot for work that comes after the last one ended', async () => {
    let slots = 0;
    const slot = sharedSlot((task) => {
      slots += 1;
      return task();
    });
    expect(await slot(async () => 'first')).toBe('first');
    expect(await slot(async () => 'second')).toBe('second');
    expect(slots).toBe(2);
  });

  it('passes a failure on to its own work only, and still frees the slot', async () => {
    const budget = createPixelBudget(100, 1);
    const slot = sharedSlot((task) => budget(100, task));
    const results = await Promise.allSettled([
      slot(async () => {
        throw new Error('disk full');
      }),
      slot(async () => 'card'),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { message: 'disk full' } });
    expect(results[1]).toEqual({ status: 'fulfilled', value: 'card' });
    expect(await budget(100, async () => 'then the next')).toBe('then the next');
  });
});
