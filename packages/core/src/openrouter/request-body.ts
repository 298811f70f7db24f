import { HeaderforgeError } from '../errors/headerforge-error.js';
import { IMAGE_MEDIA_TYPES } from '../image/media-types.js';
import { RESOLUTION_OF_SIZE } from './model-capabilities.js';

/** OpenRouter's provider routing, as callers write it (sent snake_case). */
export interface ProviderPreferences {
  /** Providers to try first, in order (e.g. `["Google Vertex"]`). */
  order?: string[];
  /** Only these providers may serve the request. */
  only?: string[];
  /** False: never fall back to a provider outside `order` (default true on OpenRouter). */
  allowFallbacks?: boolean;
}

/** A reference image: its bytes and type, or a URL the provider can fetch (https or data:). */
export type InputReference = { bytes: Uint8Array; mediaType: string } | { url: string };

/** What both endpoints are asked, already checked against what the model accepts. */
export interface BodyInput {
  model: string;
  prompt: string;
  aspectRatio: string;
  imageSize: string;
  n: number;
  seed: number | undefined;
  /** URLs of the reference images, `data:` or https. */
  references: string[];
  outputFormat: string | undefined;
  provider: ProviderPreferences | undefined;
}

/** `POST /chat/completions`: references travel as image parts of the user message. */
export function chatBody(
  input: BodyInput,
  extra: { modalities: string[]; maxTokens: number; stream: boolean },
): Record<string, unknown> {
  const content =
    input.references.length === 0
      ? input.prompt
      : [
          { type: 'text', text: input.prompt },
          ...input.references.map((url) => ({ type: 'image_url', image_url: { url } })),
        ];
  return {
    model: input.model,
    messages: [{ role: 'user', content }],
    modalities: extra.modalities,
    image_config: { aspect_ratio: input.aspectRatio, image_size: input.imageSize },
    max_tokens: extra.maxTokens,
    stream: extra.stream,
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    ...providerField(input.provider),
  };
}

/**
 * `POST /images`: only what the request needs, every value one the model lists; no
 * `resolution` for a model that does not take one.
 */
export function imagesBody(
  input: BodyInput,
  takes: { resolution: boolean },
): Record<string, unknown> {
  return {
    model: input.model,
    prompt: input.prompt,
    aspect_ratio: input.aspectRatio,
    ...(takes.resolution
      ? { resolution: RESOLUTION_OF_SIZE[input.imageSize] ?? input.imageSize }
      : {}),
    ...(input.n === 1 ? {} : { n: input.n }),
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    ...(input.references.length === 0
      ? {}
      : {
          input_references: input.references.map((url) => ({
            type: 'image_url',
            image_url: { url },
          })),
        }),
    ...(input.outputFormat === undefined ? {} : { output_format: input.outputFormat }),
    ...providerField(input.provider),
  };
}

function providerField(provider: ProviderPreferences | undefined): Record<string, unknown> {
  if (!provider) return {};
  const wire: Record<string, unknown> = {};
  if (provider.order) wire.order = provider.order;
  if (provider.only) wire.only = provider.only;
  if (provider.allowFallbacks !== undefined) wire.allow_fallbacks = provider.allowFallbacks;
  return Object.keys(wire).length === 0 ? {} : { provider: wire };
}

/**
 * Checks that every reference can be sent, naming the first that cannot. Nothing is encoded
 * here: a preflight checks many requests, and references may be megabytes each.
 */
export function checkReferences(references: readonly InputReference[] | undefined): void {
  for (const [index, reference] of (references ?? []).entries()) {
    const where = `inputReferences[${index}]`;
    if ('url' in reference) {
      const { url } = reference;
      if (/^data:image\/[a-z0-9.+-]+;base64,/i.test(url) || /^https?:\/\//i.test(url)) continue;
      throw new HeaderforgeError(
        'invalid_request',
        `${where} is neither an http(s) URL nor a data:image/…;base64 URL (starts "${url.slice(0, 30)}")`,
        { hint: 'Give a reference as { bytes, mediaType } or as { url } with an https URL.' },
      );
    }
    if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(reference.mediaType)) {
      throw new HeaderforgeError(
        'invalid_request',
        `${where} has media type "${reference.mediaType}"; expected one of ${IMAGE_MEDIA_TYPES.join(', ')}`,
      );
    }
    if (reference.bytes.byteLength === 0) {
      throw new HeaderforgeError('invalid_request', `${where} is empty (0 bytes)`);
    }
  }
}

/** The URL each (checked) reference is sent as: its own URL, or its bytes as a data URL. */
export function referenceUrls(references: readonly InputReference[] | undefined): string[] {
  return (references ?? []).map((reference) =>
    'url' in reference
      ? reference.url
      : `data:${reference.mediaType};base64,${Buffer.from(reference.bytes).toString('base64')}`,
  );
}
