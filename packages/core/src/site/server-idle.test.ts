import { describe, expect, it } from 'vitest';
import { createServerIdle } from './server-idle.js';

const settledYet = async (promise: Promise<void>) => {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
};

describe('a dev server settled', () => {
  it('is at once while it answers no request, listening or not', async () => {
    const gate = createServerIdle();
    expect(await settledYet(gate.settled())).toBe(true);
    gate.listening();
    gate.requestStarted();
    gate.requestEnded();
    expect(await settledYet(gate.settled())).toBe(true);
  });

  it('once the requests under way are answered, with no quiet time after them', async () => {
    const gate = createServerIdle();
    gate.listening();
    gate.requestStarted();
    gate.requestStarted();
    const settled = gate.settled();
    expect(await settledYet(settled)).toBe(false);
    gate.requestEnded();
    expect(await settledYet(settled)).toBe(false);
    gate.requestEnded();
    expect(await settledYet(settled)).toBe(true);
  });
});
