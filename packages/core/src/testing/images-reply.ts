import { type BrokenImageScenario, brokenImage } from './broken-images.js';
import { cutShort, providerError, transportFailure } from './failure-replies.js';
import { type ImageEntry, imagesDocument } from './images-document.js';
import type { ImagesRequest } from './images-request.js';
import { type ArtSpec, renderArt } from './render-art.js';
import { jsonReply, type Reply } from './reply.js';
import type { ReplyContext } from './reply-context.js';
import { type FakeScenario, fewerImagesCount, rehosted } from './scenarios.js';
import { noUsage, perImageUsage, shownUsage } from './usage.js';

/** One image of an answer, and the bytes it decodes to (none when it does not decode). */
interface Made {
  entry: ImageEntry;
  bytes?: Buffer;
}

/** The reply to a `POST /images` request OpenRouter accepted, shaped by the scenario, if any. */
export async function imagesReply(
  scenario: FakeScenario | undefined,
  request: ImagesRequest,
  context: ReplyContext,
): Promise<Reply> {
  switch (scenario?.kind) {
    case undefined:
    case 'latency':
      return answered(request, context, await makeImages(request, request.n));
    case 'rate_limit':
    case 'status':
    case 'html':
    case 'reset':
      return transportFailure(scenario);
    case 'truncated_json':
    case 'stall':
      return cutShort(answered(request, context, await makeImages(request, request.n)), scenario);
    case 'error_in_200':
      return providerErrorReply(context, scenario.code ?? 502, scenario.message ?? providerError);
    case 'mid_stream_error':
      // The Image API answers buffered here: a provider that fails mid-way fails the whole answer.
      return providerErrorReply(
        context,
        502,
        scenario.message ?? 'Provider disconnected unexpectedly',
      );
    case 'no_images':
      return answered(request, context, []);
    case 'fewer_images':
      return answered(
        request,
        context,
        await makeImages(request, fewerImagesCount(scenario, request.n)),
      );
    case 'extra_images':
      return answered(
        request,
        context,
        await makeImages(request, request.n + (scenario.count ?? 1)),
      );
    case 'image_url':
      return answered(request, context, await linkedImages(request, context, scenario.origin));
    case 'invalid_base64':
    case 'not_an_image':
    case 'wrong_type':
    case 'bomb':
    case 'svg':
    case 'large_body': {
      const rest = await makeImages(request, request.n - 1, 1);
      return answered(request, context, [await brokenFirst(scenario, request), ...rest]);
    }
  }
}

/** A 200 with the images made, billed per image returned. */
function answered(request: ImagesRequest, context: ReplyContext, made: Made[]): Reply {
  const billed = perImageUsage(
    request.promptTokens,
    made.length,
    request.model.imageApi.pricePerImage,
  );
  const document = imagesDocument(
    context.meta,
    made.map((image) => image.entry),
    shownUsage(billed, context.includeCost),
  );
  return {
    ...jsonReply(200, document, { 'x-generation-id': context.meta.id }),
    images: made.flatMap((image) => (image.bytes ? [image.bytes] : [])),
    billed,
  };
}

function providerErrorReply(context: ReplyContext, code: number, message: string): Reply {
  const headers = { 'x-generation-id': context.meta.id };
  return { ...jsonReply(200, { error: { code, message } }, headers), billed: noUsage };
}

/**
 * `count` images in the format asked for, from the `first`th variant on: each image differs, and
 * the same request (model, prompt, seed, size) gives the same bytes again.
 */
function makeImages(request: ImagesRequest, count: number, first = 0): Promise<Made[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const variant = first + index;
      const bytes = await renderArt(artOf(request, variant), request.format);
      return {
        entry: { b64_json: bytes.toString('base64'), media_type: request.mediaType },
        bytes,
      };
    }),
  );
}

async function linkedImages(
  request: ImagesRequest,
  context: ReplyContext,
  origin: string | undefined,
): Promise<Made[]> {
  return Promise.all(
    Array.from({ length: request.n }, async (_, variant) => {
      const png = await renderArt(artOf(request, variant));
      const url = rehosted(context.publishFile(png), origin);
      return { entry: { url, media_type: 'image/png' }, bytes: png };
    }),
  );
}

async function brokenFirst(scenario: BrokenImageScenario, request: ImagesRequest): Promise<Made> {
  const { base64, bytes, mediaType = 'image/png' } = await brokenImage(scenario, artOf(request, 0));
  return { entry: { b64_json: base64, media_type: mediaType }, ...(bytes ? { bytes } : {}) };
}

function artOf({ model, prompt, seed, width, height }: ImagesRequest, variant: number): ArtSpec {
  return { model: model.id, prompt, seed, width, height, variant };
}
