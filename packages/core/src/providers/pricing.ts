import type { ImageModel } from '../openrouter/catalogue.js';
import type { Transport } from '../openrouter/transport.js';

export interface UsageLike {
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  cost?: number | undefined;
}

/** How a request is billed: where it goes, how many images it asks for. */
export interface PricedRequest {
  transport?: Transport | undefined;
  /** Images asked for (default 1). */
  n?: number | undefined;
}

/** Typical output of one image (Gemini at 1K), used to estimate before a request. */
const ESTIMATED_COMPLETION_TOKENS = 1300;
/** A typical figure when nothing is known about a model's price: errs high, so budgets stop early. */
const UNKNOWN_PRICE_USD = 0.1;
/**
 * The most one image is taken to cost when the catalogue gives no price for its model: above
 * the dearest image OpenRouter listed when this was written (Nano Banana Pro at 4K, $0.24).
 * The budget reserves it, so a cap holds even for a model whose price is unknown.
 */
export const UNKNOWN_PRICE_UPPER_BOUND_USD = 0.3;
/** Tokens one reference image is taken to add to a prompt when it has no per-image price. */
const REFERENCE_TOKENS_BOUND = 2000;

const price = (pricing: Record<string, string> | undefined, name: string) => {
  const value = Number(pricing?.[name] ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
};

const hasTokenPrices = (model: ImageModel) =>
  price(model.pricing, 'prompt') > 0 ||
  price(model.pricing, 'completion') > 0 ||
  price(model.pricing, 'request') > 0;

/**
 * What an image cost: OpenRouter's own `usage.cost` when given, else tokens × catalogue
 * prices (chat completions), else the Image API's per-image price.
 */
export function costOf(
  usage: UsageLike | undefined,
  model: ImageModel | undefined,
  request: PricedRequest & { images?: number } = {},
): number | undefined {
  if (usage?.cost !== undefined) return usage.cost;
  if (!model) return undefined;
  const perImage = model.imageApi?.pricePerImageUsd;
  if (request.transport === 'images' && perImage !== undefined) {
    return perImage * (request.images ?? 1);
  }
  if (!usage || !hasTokenPrices(model)) return undefined;
  return (
    price(model.pricing, 'prompt') * (usage.promptTokens ?? 0) +
    price(model.pricing, 'completion') * (usage.completionTokens ?? 0) +
    price(model.pricing, 'request')
  );
}

/** A typical cost for a request before it is made (for dry runs): the Image API's price where it gives one. */
export function estimateCost(
  prompt: string,
  model: ImageModel | undefined,
  request: PricedRequest = {},
): number {
  const n = request.n ?? 1;
  if (!model) return UNKNOWN_PRICE_USD * n;
  const perImage = model.imageApi?.pricePerImageUsd;
  if (perImage !== undefined && (request.transport === 'images' || !hasTokenPrices(model))) {
    return perImage * n;
  }
  const estimate =
    price(model.pricing, 'prompt') * Math.ceil(prompt.length / 4) +
    price(model.pricing, 'completion') * ESTIMATED_COMPLETION_TOKENS +
    price(model.pricing, 'request');
  return (estimate > 0 ? estimate : UNKNOWN_PRICE_USD) * n;
}

/**
 * The most a request can cost, which the budget reserves before sending it. On the Image
 * API: the per-image price × n. On chat completions the answer is capped by `max_tokens`,
 * so the bound is the prompt (a token is at least a byte), the references, `max_tokens` of
 * output and the per-request fee; where the Image API prices the same model per image and
 * that is more, it is taken instead (a provider's image tokens can cost more than its text
 * tokens). Nothing known: `UNKNOWN_PRICE_UPPER_BOUND_USD` per image.
 */
export function worstCaseCost(
  prompt: string,
  model: ImageModel | undefined,
  request: PricedRequest & { maxTokens: number; references?: number },
): number {
  const n = request.n ?? 1;
  const perImage = model?.imageApi?.pricePerImageUsd;
  if (!model) return UNKNOWN_PRICE_UPPER_BOUND_USD * n;
  if (request.transport === 'images') {
    return (perImage ?? UNKNOWN_PRICE_UPPER_BOUND_USD) * n;
  }
  if (!hasTokenPrices(model)) return (perImage ?? UNKNOWN_PRICE_UPPER_BOUND_USD) * n;
  const references = request.references ?? 0;
  const referencePrice =
    price(model.pricing, 'image') || price(model.pricing, 'prompt') * REFERENCE_TOKENS_BOUND;
  const tokens =
    price(model.pricing, 'prompt') * Buffer.byteLength(prompt) +
    referencePrice * references +
    price(model.pricing, 'completion') * request.maxTokens +
    price(model.pricing, 'request');
  return Math.max(tokens, perImage ?? 0) * n;
}
