import { describe, expect, it } from 'vitest';
import { createRequestSlots } from './request-slots.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createRequestSlots', () => {
  it('grants `size` slots at once and the rest in arrival order as slots come back', async () => {
    const slots = createRequestSlots(2);
    const granted: string[] = [];
    const take = (name: string) =>
      slots.acquire().then((release) => {
        granted.push(name);
        return release;
      });
    const a = take('a');
    const b = take('b');
    const c = take('c');
    const d = take('d');
    await tick();
    expect(granted).toEqual(['a', 'b']);
    (await b)();
    await tick();
    expect(granted).toEqual(['a', 'b', 'c']);
    (await a)();
    await tick();
    expect(granted).toEqual(['a', 'b', 'c', 'd']);
    (await c)();
    (await d)();
  });

  it('counts a slot given back twice only once', async () => {
    const slots = createRequestSlots(1);
    const first = await slots.acquire();
    first();
    first();
    await slots.acquire();
    let third = false;
    void slots.acquire().then(() => {
      third = true;
    });
    await tick();
    expect(third).toBe(false);
  });
});
