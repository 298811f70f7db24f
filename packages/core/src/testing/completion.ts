import type { GenerationMeta } from './reply-context.js';
import type { Usage } from './usage.js';

/** What the model answered: text, at most one image URL, and the bill. */
export interface Answer {
  text: string;
  imageUrl?: string;
  usage: Usage;
}

/** An error reported after routing: in a 200 body or a stream chunk. */
export interface ProviderError {
  code: number | string;
  message: string;
}

const keepAlive = ': OPENROUTER PROCESSING\n\n';
const done = 'data: [DONE]\n\n';

/** The non-streaming `chat.completion` document. */
export function completionDocument(meta: GenerationMeta, answer: Answer): Record<string, unknown> {
  return {
    id: meta.id,
    provider: meta.provider,
    model: meta.model,
    object: 'chat.completion',
    created: meta.created,
    choices: [
      {
        logprobs: null,
        finish_reason: 'stop',
        native_finish_reason: 'STOP',
        index: 0,
        message: {
          role: 'assistant',
          content: answer.text,
          refusal: null,
          reasoning: null,
          ...(answer.imageUrl === undefined ? {} : { images: imagesOf(answer.imageUrl) }),
        },
      },
    ],
    usage: answer.usage,
  };
}

/** The SSE events of a successful stream: text, image, finish with usage, `[DONE]`. */
export function completionEvents(meta: GenerationMeta, answer: Answer): string[] {
  const events = [keepAlive, data(chunk(meta, { content: answer.text }))];
  if (answer.imageUrl !== undefined) {
    events.push(keepAlive, data(chunk(meta, { content: '', images: imagesOf(answer.imageUrl) })));
  }
  events.push(keepAlive, data({ ...chunk(meta, { content: '' }, 'stop'), usage: answer.usage }));
  events.push(done);
  return events;
}

/**
 * A stream that fails after it started: optionally some text first, then OpenRouter's error
 * chunk (top-level `error`, finish_reason "error"), then the stream ends without `[DONE]`.
 */
export function failedStreamEvents(
  meta: GenerationMeta,
  error: ProviderError,
  textBefore?: string,
): string[] {
  const events = [keepAlive];
  if (textBefore !== undefined) events.push(data(chunk(meta, { content: textBefore })), keepAlive);
  events.push(data({ ...chunk(meta, { content: '' }, 'error'), error }));
  return events;
}

function chunk(
  meta: GenerationMeta,
  delta: Record<string, unknown>,
  finishReason: string | null = null,
): Record<string, unknown> {
  return {
    id: meta.id,
    provider: meta.provider,
    model: meta.model,
    object: 'chat.completion.chunk',
    created: meta.created,
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', ...delta },
        finish_reason: finishReason,
        native_finish_reason: finishReason === 'stop' ? 'STOP' : null,
        logprobs: null,
      },
    ],
  };
}

function imagesOf(url: string) {
  return [{ type: 'image_url', image_url: { url }, index: 0 }];
}

function data(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}
