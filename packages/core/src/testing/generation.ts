import { randomUUID } from 'node:crypto';
import { bearerRejection } from './bearer-auth.js';
import type { FakeModel } from './fake-models.js';
import { type GenerationRequest, parseGenerationRequest } from './generation-request.js';
import { type GenerationStats, generationStats } from './generation-stats.js';
import { imagesReply } from './images-reply.js';
import { type ImagesRequest, parseImagesRequest } from './images-request.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RecordedRequest } from './recorded-request.js';
import { errorReply, type Reply } from './reply.js';
import type { ReplyContext } from './reply-context.js';
import { scenarioReply } from './scenario-reply.js';
import type { FakeScenario, GenerationEndpoint, ScenarioQueue } from './scenarios.js';

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
  /** For `GET /generation`, once the answer goes out: answers with a generation id only. */
  stats?: GenerationStats;
}

/** What both endpoints' accepted requests share. */
interface AcceptedRequest {
  model: FakeModel;
  provider: string;
  prompt: string;
}

/** What makes one endpoint: how it validates, and how it answers an accepted request. */
interface EndpointRules<R extends AcceptedRequest> {
  parse(
    body: unknown,
    models: readonly FakeModel[],
  ): { ok: true; request: R } | { ok: false; reply: Reply };
  idPrefix: string;
  reply(scenario: FakeScenario | undefined, request: R, context: ReplyContext): Promise<Reply>;
}

const chat: EndpointRules<GenerationRequest> = {
  parse: parseGenerationRequest,
  idPrefix: 'gen-',
  reply: scenarioReply,
};
const images: EndpointRules<ImagesRequest> = {
  parse: parseImagesRequest,
  idPrefix: 'gen-img-',
  reply: imagesReply,
};

/**
 * Decides the reply to `POST /chat/completions` or `POST /images` in OpenRouter's order:
 * credentials, rate limit, body validation; only a request OpenRouter would accept meets an
 * injected scenario, so validation errors stay the same whatever is injected.
 */
export async function answerGeneration(
  endpoint: GenerationEndpoint,
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
  return endpoint === 'chat'
    ? answerAccepted(chat, endpoint, record, context)
    : answerAccepted(images, endpoint, record, context);
}

async function answerAccepted<R extends AcceptedRequest>(
  rules: EndpointRules<R>,
  endpoint: GenerationEndpoint,
  record: RecordedRequest,
  context: GenerationContext,
): Promise<GenerationOutcome> {
  const parsed = rules.parse(record.body, context.models);
  if (!parsed.ok) return immediate(parsed.reply);
  const { request } = parsed;

  const scenario = context.scenarios.take({
    n: record.n,
    endpoint,
    prompt: request.prompt,
    model: request.model.id,
  });
  const created = Math.floor(Date.now() / 1000);
  const meta = {
    id: `${rules.idPrefix}${created}-${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    model: request.model.id,
    created,
    provider: request.provider,
  };
  const reply = await rules.reply(scenario, request, {
    meta,
    includeCost: context.includeCost,
    publishFile: context.publishFile,
  });
  return {
    reply,
    extraDelayMs: scenario?.kind === 'latency' ? scenario.ms : 0,
    ...(scenario ? { scenario: scenario.kind } : {}),
    ...(reply.billed ? { stats: generationStats(meta, reply.billed) } : {}),
  };
}

function immediate(reply: Reply): GenerationOutcome {
  return { reply, extraDelayMs: 0 };
}
