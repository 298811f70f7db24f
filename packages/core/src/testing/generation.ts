import { randomUUID } from 'node:crypto';
import { bearerRejection } from './bearer-auth.js';
import type { FakeModel } from './fake-models.js';
import { parseGenerationRequest } from './generation-request.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RecordedRequest } from './recorded-request.js';
import { errorReply, type Reply } from './reply.js';
import { scenarioReply } from './scenario-reply.js';
import type { FakeScenario, ScenarioQueue } from './scenarios.js';

/** The fake's state that a generation request reads or consumes. */
export interface GenerationContext {
  apiKey: string | undefined;
  models: readonly FakeModel[];
  includeCost: boolean;
  limiter: RateLimiter | undefined;
  scenarios: ScenarioQueue;
  publishFile(png: Buffer): string;
}

export interface GenerationOutcome {
  reply: Reply;
  /** A `latency` scenario's wait, on top of the server-wide latency. */
  extraDelayMs: number;
  scenario?: FakeScenario['kind'];
}

/**
 * Decides the reply to `POST /chat/completions` in OpenRouter's order: credentials, rate limit,
 * body validation; only a request OpenRouter would accept meets an injected scenario, so
 * validation errors stay the same whatever is injected.
 */
export async function answerGeneration(
  record: RecordedRequest,
  context: GenerationContext,
): Promise<GenerationOutcome> {
  const rejection = bearerRejection(record.headers.authorization, context.apiKey);
  if (rejection !== undefined) return immediate(errorReply(401, rejection));

  const retryAfter = context.limiter?.acquire(Date.now());
  if (retryAfter !== undefined) {
    return immediate(
      errorReply(429, 'Rate limit exceeded: too many image generation requests.', {
        headers: { 'retry-after': String(retryAfter) },
      }),
    );
  }

  const parsed = parseGenerationRequest(record.body, context.models);
  if (!parsed.ok) return immediate(parsed.reply);
  const { request } = parsed;

  const scenario = context.scenarios.take({
    n: record.n,
    prompt: request.prompt,
    model: request.model.id,
  });
  const meta = {
    id: `gen-${Math.floor(Date.now() / 1000)}-${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    model: request.model.id,
    created: Math.floor(Date.now() / 1000),
    provider: request.provider,
  };
  const reply = await scenarioReply(scenario, request, {
    meta,
    includeCost: context.includeCost,
    publishFile: context.publishFile,
  });
  return {
    reply,
    extraDelayMs: scenario?.kind === 'latency' ? scenario.ms : 0,
    ...(scenario ? { scenario: scenario.kind } : {}),
  };
}

function immediate(reply: Reply): GenerationOutcome {
  return { reply, extraDelayMs: 0 };
}
