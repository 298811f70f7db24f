import { bearerRejection } from './bearer-auth.js';
import { errorReply, jsonReply, type Reply } from './reply.js';
import type { GenerationMeta } from './reply-context.js';
import type { Usage } from './usage.js';

/** `GET /generation`'s `data`: what one answered generation cost, whatever `includeCost` says. */
export interface GenerationStats {
  id: string;
  model: string;
  /** USD. */
  total_cost: number;
  provider_name: string;
  /** ISO 8601. */
  created_at: string;
  native_tokens_prompt: number;
  native_tokens_completion: number;
}

export function generationStats(meta: GenerationMeta, billed: Usage): GenerationStats {
  return {
    id: meta.id,
    model: meta.model,
    total_cost: billed.cost ?? 0,
    provider_name: meta.provider,
    created_at: new Date(meta.created * 1000).toISOString(),
    native_tokens_prompt: billed.prompt_tokens,
    native_tokens_completion: billed.completion_tokens,
  };
}

/**
 * The generations the fake answered, for `GET /generation?id=`. Like OpenRouter's, each one is
 * found only `delayMs` after its answer went out: a client must expect a 404 at first.
 */
export class GenerationLedger {
  readonly #entries = new Map<string, { stats: GenerationStats; visibleAt: number }>();
  readonly #delayMs: number;

  constructor(delayMs: number) {
    this.#delayMs = Math.max(0, delayMs);
  }

  /** Notes a generation whose answer is going out at `now`. */
  add(stats: GenerationStats, now: number): void {
    this.#entries.set(stats.id, { stats, visibleAt: now + this.#delayMs });
  }

  /** The reply to `GET /generation`: the bearer is needed, as for generating. */
  lookup(
    query: URLSearchParams,
    authorization: string | undefined,
    apiKey: string | undefined,
    now: number,
  ): Reply {
    const rejection = bearerRejection(authorization, apiKey);
    if (rejection !== undefined) return errorReply(401, rejection);
    const id = query.get('id') ?? '';
    if (id === '') {
      return errorReply(400, 'Missing the id of the generation: GET /generation?id=<id>', {
        metadata: { param: 'id', value: id },
      });
    }
    const entry = this.#entries.get(id);
    if (entry === undefined || now < entry.visibleAt) {
      return errorReply(404, `Generation ${id} not found`);
    }
    return jsonReply(200, { data: entry.stats });
  }

  clear(): void {
    this.#entries.clear();
  }
}
