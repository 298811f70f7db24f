import { describe, expect, it } from 'vitest';
import { costOf, estimateCost } from '../providers/pricing.js';
import { createBudget } from './budget.js';

describe('createBudget', () => {
  it('refuses the image that would exceed maxNewImages, and frees slots of failed requests', () => {
    const budget = createBudget({ maxNewImages: 2 });
    const first = budget.reserve(0.01);
    const second = budget.reserve(0.01);
    expect('refused' in first || 'refused' in second).toBe(false);
    expect(budget.reserve(0.01)).toEqual({ refused: 'maxNewImages (2) reached' });
    if (!('refused' in second)) second.cancel();
    expect('refused' in budget.reserve(0.01)).toBe(false);
  });

  it('counts every image of a request that asks for several', () => {
    const budget = createBudget({ maxNewImages: 3 });
    expect(budget.reserve(0.02, 4)).toEqual({ refused: 'maxNewImages (3) reached' });
    const two = budget.reserve(0.02, 2);
    expect(budget.started).toBe(2);
    expect(budget.reserve(0.02, 2)).toEqual({ refused: 'maxNewImages (3) reached' });
    if (!('refused' in two)) two.cancel();
    expect(budget.started).toBe(0);
  });

  it('counts reserved estimates so concurrent requests cannot overshoot maxCostUsd together', () => {
    const budget = createBudget({ maxCostUsd: 0.1 });
    const a = budget.reserve(0.04);
    const b = budget.reserve(0.04);
    expect(budget.reserve(0.04)).toMatchObject({
      refused: expect.stringContaining('maxCostUsd ($0.10)'),
    });
    if (!('refused' in a)) a.settle(0.01);
    if (!('refused' in b)) b.settle(0.01);
    expect(budget.spentUsd).toBeCloseTo(0.02);
    expect('refused' in budget.reserve(0.04)).toBe(false);
  });

  it('has no limit when none is set', () => {
    const budget = createBudget({});
    for (let i = 0; i < 100; i++) expect('refused' in budget.reserve(1)).toBe(false);
  });
});

describe('pricing', () => {
  const nano = {
    id: 'google/gemini-2.5-flash-image',
    name: 'Nano Banana',
    inputModalities: ['text'],
    outputModalities: ['image', 'text'],
    pricing: { prompt: '0.0000003', completion: '0.0000025' },
    chat: true,
  };

  it('prefers usage.cost, else prices tokens from the catalogue', () => {
    expect(costOf({ cost: 0.039 }, nano)).toBe(0.039);
    expect(costOf({ promptTokens: 10, completionTokens: 1290 }, nano)).toBeCloseTo(
      10 * 0.0000003 + 1290 * 0.0000025,
    );
    expect(costOf({ promptTokens: 10 }, undefined)).toBeUndefined();
  });

  it('estimates an image before it is made, erring high for unknown prices', () => {
    expect(estimateCost('a'.repeat(40), nano)).toBeCloseTo(10 * 0.0000003 + 1300 * 0.0000025);
    expect(estimateCost('x', undefined)).toBe(0.1);
  });
});
