import type { z } from 'zod';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { excerpt } from './redact.js';
import {
  type Chunk,
  ChunkSchema,
  type Completion,
  CompletionSchema,
  contentParts,
  type ErrorBody,
  type Usage,
} from './schemas.js';
import { readServerSentEvents } from './sse.js';

/** What one chat completion said, whether it came as one JSON body or as a stream. */
export interface Reply {
  id?: string;
  model?: string;
  provider?: string;
  text: string;
  imageUrls: string[];
  usage?: Usage;
  finishReason?: string;
  error?: { body: ErrorBody; where: 'body' | 'stream' };
}

function unusable(detail: string): HeaderforgeError {
  return new HeaderforgeError(
    'bad_response',
    `OpenRouter sent a response we cannot read: ${detail}`,
    {
      hint: 'A proxy or the provider cut or replaced the response. Build again; if it persists, check OPENROUTER_BASE_URL.',
    },
  );
}

export function parseCompletion(text: string, secret: string | undefined): Reply {
  return replyFromCompletion(parseBody(CompletionSchema, text, secret));
}

/** A whole JSON answer, parsed by its schema; anything else is an `unusable` error with an excerpt. */
export function parseBody<T>(schema: z.ZodType<T>, text: string, secret: string | undefined): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unusable(`the body is not JSON (${text.length} bytes): ${excerpt(text, secret)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw unusable(
      `unexpected JSON shape (${parsed.error.issues[0]?.message ?? 'invalid'}): ${excerpt(text, secret)}`,
    );
  }
  return parsed.data;
}

function replyFromCompletion(completion: Completion): Reply {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const content = contentParts(message?.content);
  const reply: Reply = {
    text: content.text,
    imageUrls: [
      ...(message?.images ?? []).filter((url) => url !== undefined),
      ...content.imageUrls,
    ],
  };
  if (completion.id) reply.id = completion.id;
  if (completion.model) reply.model = completion.model;
  if (completion.provider) reply.provider = completion.provider;
  if (completion.usage) reply.usage = completion.usage;
  if (choice?.finish_reason) reply.finishReason = choice.finish_reason;
  const error = completion.error ?? choice?.error;
  if (error) reply.error = { body: error, where: 'body' };
  return reply;
}

/** Folds a chat-completion event stream into one reply; stops at the first error chunk. */
export async function parseStream(
  body: AsyncIterable<Uint8Array>,
  secret: string | undefined,
): Promise<Reply & { done: boolean }> {
  const reply: Reply & { done: boolean } = { text: '', imageUrls: [], done: false };
  for await (const data of readServerSentEvents(body)) {
    if (data.trim() === '[DONE]') {
      reply.done = true;
      break;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw unusable(`a stream event is not JSON: ${excerpt(data, secret)}`);
    }
    const parsed = ChunkSchema.safeParse(json);
    if (!parsed.success)
      throw unusable(`a stream event has an unexpected shape: ${excerpt(data, secret)}`);
    if (foldChunk(reply, parsed.data)) break;
  }
  return reply;
}

/** Adds one chunk to the reply; true when the chunk carried an error. */
function foldChunk(reply: Reply, chunk: Chunk): boolean {
  if (chunk.id) reply.id = chunk.id;
  if (chunk.model) reply.model = chunk.model;
  if (chunk.provider) reply.provider = chunk.provider;
  if (chunk.usage) reply.usage = chunk.usage;
  const choice = chunk.choices?.[0];
  const error = chunk.error ?? choice?.error;
  if (error) {
    reply.error = { body: error, where: 'stream' };
    return true;
  }
  const content = contentParts(choice?.delta?.content);
  reply.text += content.text;
  for (const url of choice?.delta?.images ?? []) if (url !== undefined) reply.imageUrls.push(url);
  reply.imageUrls.push(...content.imageUrls);
  if (choice?.finish_reason) reply.finishReason = choice.finish_reason;
  return false;
}
