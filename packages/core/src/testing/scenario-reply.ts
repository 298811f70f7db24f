import { type BrokenImageScenario, brokenImage } from './broken-images.js';
import {
  type Answer,
  completionDocument,
  completionEvents,
  failedStreamEvents,
  type ProviderError,
} from './completion.js';
import { cutShort, providerError, transportFailure } from './failure-replies.js';
import type { GenerationRequest } from './generation-request.js';
import { renderArt } from './render-art.js';
import { eventStreamReply, jsonReply, type Reply } from './reply.js';
import type { ReplyContext } from './reply-context.js';
import { type FakeScenario, fewerImagesCount, rehosted, type ScenarioOf } from './scenarios.js';
import { countTokens, imageCompletionTokens, noUsage, shownUsage, usageFor } from './usage.js';

/** Scenarios that answer normally, but with a broken or unusual image. */
type ImageScenario = BrokenImageScenario | ScenarioOf<'image_url'>;

const imageText = 'Here is your image.';

/** The reply to a request OpenRouter accepted, shaped by the scenario that applies, if any. */
export async function scenarioReply(
  scenario: FakeScenario | undefined,
  request: GenerationRequest,
  context: ReplyContext,
): Promise<Reply> {
  switch (scenario?.kind) {
    case undefined:
    case 'latency':
      return normalReply(request, context);
    case 'rate_limit':
    case 'status':
    case 'html':
    case 'reset':
      return transportFailure(scenario);
    case 'truncated_json':
    case 'stall':
      return cutShort(await normalReply(request, context), scenario);
    case 'error_in_200':
      return providerErrorReply(request, context, {
        code: scenario.code ?? 502,
        message: scenario.message ?? providerError,
      });
    case 'mid_stream_error':
      return midStreamErrorReply(request, context, scenario.message);
    case 'no_images':
      return answerReply(request, context, textAnswer(request, scenario.text));
    case 'extra_images':
      return normalReply(request, context);
    case 'fewer_images':
      // Chat makes one image at most: none, or the usual answer.
      return fewerImagesCount(scenario, 1) === 0
        ? answerReply(request, context, textAnswer(request))
        : normalReply(request, context);
    case 'invalid_base64':
    case 'not_an_image':
    case 'wrong_type':
    case 'image_url':
    case 'bomb':
    case 'svg':
    case 'large_body': {
      const { url, bytes } = await imagePayload(scenario, request, context);
      return withImage(answerReply(request, context, imageAnswer(request, url)), bytes);
    }
  }
}

/** Notes the decoded bytes a reply carries, so the request's record can name what was paid for. */
function withImage(reply: Reply, bytes: Uint8Array | undefined): Reply {
  return bytes === undefined ? reply : { ...reply, image: bytes };
}

/** What OpenRouter answers without trouble: an image when asked for one, else text. */
async function normalReply(request: GenerationRequest, context: ReplyContext): Promise<Reply> {
  if (!request.wantsImage) {
    const text = `I can only answer in text here. You asked for: ${request.prompt}`;
    return answerReply(request, context, textAnswer(request, text));
  }
  const image = await renderArt(artOf(request));
  return withImage(answerReply(request, context, imageAnswer(request, dataUrl(image))), image);
}

/** The image URL of a scenario, and the bytes it decodes to (none when it cannot be decoded). */
async function imagePayload(
  scenario: ImageScenario,
  request: GenerationRequest,
  context: ReplyContext,
): Promise<{ url: string; bytes?: Buffer }> {
  if (scenario.kind === 'image_url') {
    const png = await renderArt(artOf(request));
    return { url: rehosted(context.publishFile(png), scenario.origin), bytes: png };
  }
  const { base64, bytes, mediaType = 'image/png' } = await brokenImage(scenario, artOf(request));
  return { url: `data:${mediaType};base64,${base64}`, ...(bytes ? { bytes } : {}) };
}

function midStreamErrorReply(
  request: GenerationRequest,
  context: ReplyContext,
  message = 'Provider disconnected unexpectedly',
): Reply {
  if (!request.stream) return providerErrorReply(request, context, { code: 502, message });
  // OpenRouter documents this chunk with a string code, unlike its HTTP-level errors.
  const error = { code: 'server_error', message };
  const headers = { 'x-generation-id': context.meta.id };
  return {
    ...eventStreamReply(failedStreamEvents(context.meta, error, imageText), headers),
    billed: noUsage,
  };
}

function answerReply(request: GenerationRequest, context: ReplyContext, answer: Answer): Reply {
  const headers = { 'x-generation-id': context.meta.id };
  const shown = { ...answer, usage: shownUsage(answer.usage, context.includeCost) };
  const reply = request.stream
    ? eventStreamReply(completionEvents(context.meta, shown), headers)
    : jsonReply(200, completionDocument(context.meta, shown), headers);
  return { ...reply, billed: answer.usage };
}

function providerErrorReply(
  request: GenerationRequest,
  context: ReplyContext,
  error: ProviderError,
): Reply {
  const headers = { 'x-generation-id': context.meta.id };
  const reply = request.stream
    ? eventStreamReply(failedStreamEvents(context.meta, error), headers)
    : jsonReply(200, { error }, headers);
  return { ...reply, billed: noUsage };
}

function imageAnswer(request: GenerationRequest, url: string): Answer {
  return {
    text: imageText,
    imageUrl: url,
    usage: usageOf(request, imageCompletionTokens),
  };
}

function textAnswer(
  request: GenerationRequest,
  text = "I can't create that image right now.",
): Answer {
  return { text, usage: usageOf(request, countTokens(text)) };
}

function usageOf(request: GenerationRequest, completionTokens: number) {
  const tokens = {
    prompt: request.promptTokens,
    completion: completionTokens,
    inputImages: request.inputImages,
  };
  return usageFor(request.model, tokens);
}

function artOf({ model, prompt, seed, width, height }: GenerationRequest) {
  return { model: model.id, prompt, seed, width, height };
}

function dataUrl(bytes: Buffer): string {
  return `data:image/png;base64,${bytes.toString('base64')}`;
}
