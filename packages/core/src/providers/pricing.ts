import type { ImageModel } from '../openrouter/catalogue.js';

export interface UsageLike {
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  cost?: number | undefined;
}

/** Typical output of one image (Gemini at 1K), used to estimate before a request. */
const ESTIMATED_COMPLETION_TOKENS = 1300;
/** Spent when nothing is known about a model's price: errs high, so budgets stop early. */
const UNKNOWN_PRICE_USD = 0.1;

const price = (pricing: Record<string, string> | undefined, name: string) => {
  const value = Number(pricing?.[name] ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
};

/** What an image cost: OpenRouter's own `usage.cost` when given, else tokens × catalogue prices. */
export function costOf(
  usage: UsageLike | undefined,
  model: ImageModel | undefined,
): number | undefined {
  if (usage?.cost !== undefined) return usage.cost;
  if (!model || !usage) return undefined;
  return (
    price(model.pricing, 'prompt') * (usage.promptTokens ?? 0) +
    price(model.pricing, 'completion') * (usage.completionTokens ?? 0) +
    price(model.pricing, 'request')
  );
}

/** A cost estimate for one image before it is requested (for budgets and dry runs). */
export function estimateCost(prompt: string, model: ImageModel | undefined): number {
  if (!model) return UNKNOWN_PRICE_USD;
  const estimate =
    price(model.pricing, 'prompt') * Math.ceil(prompt.length / 4) +
    price(model.pricing, 'completion') * ESTIMATED_COMPLETION_TOKENS +
    price(model.pricing, 'request');
  return estimate > 0 ? estimate : UNKNOWN_PRICE_USD;
}
