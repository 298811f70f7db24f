import type { FakeModel } from './fake-models.js';

/** What Gemini image models report per generated image; close enough for every model here. */
export const imageCompletionTokens = 1290;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD, as OpenRouter reports it in `usage.cost`. */
  cost?: number;
}

/** A rough tokenizer: about four characters per token, like OpenAI's rule of thumb. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Chat usage, `cost` included: `shownUsage` leaves it out when the fake does not report it. */
export function usageFor(
  model: FakeModel,
  tokens: { prompt: number; completion: number; inputImages: number },
): Usage {
  const usage: Usage = {
    prompt_tokens: tokens.prompt,
    completion_tokens: tokens.completion,
    total_tokens: tokens.prompt + tokens.completion,
  };
  const { pricing } = model;
  const cost =
    tokens.prompt * price(pricing.prompt) +
    tokens.completion * price(pricing.completion) +
    price(pricing.request) +
    tokens.inputImages * price(pricing.image);
  // Summing per-token prices leaves float noise (0.0032286000000000003); OpenRouter's do not.
  return { ...usage, cost: Math.round(cost * 1e12) / 1e12 };
}

/** Image API usage: the prompt's tokens, and `pricePerImage` for each image returned. */
export function perImageUsage(promptTokens: number, images: number, pricePerImage: string): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: 0,
    total_tokens: promptTokens,
    cost: Math.round(images * price(pricePerImage) * 1e12) / 1e12,
  };
}

/** The usage an answer shows: without `cost` unless the fake reports it. */
export function shownUsage(usage: Usage, includeCost: boolean): Usage {
  if (includeCost) return usage;
  const { cost: _, ...withoutCost } = usage;
  return withoutCost;
}

/** What an answer that made nothing bills. */
export const noUsage: Usage = Object.freeze({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cost: 0,
});

function price(value: string | undefined): number {
  const parsed = Number(value ?? 0);
  return Number.isFinite(parsed) ? parsed : 0;
}
