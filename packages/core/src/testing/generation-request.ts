import { z } from 'zod';
import { chatModels, type FakeModel } from './fake-models.js';
import {
  defaultAspectRatio,
  defaultImageSize,
  imageDimensions,
  standardAspectRatios,
  standardImageSizes,
} from './image-dimensions.js';
import { providerPreferencesSchema, routeProvider } from './provider-routing.js';
import { errorReply, type Reply } from './reply.js';
import { checkOption } from './request-checks.js';
import { countTokens } from './usage.js';

// Lenient like OpenRouter: unknown fields pass, only what the fake reads is checked.
const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });
const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.string(),
        content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
      }),
    )
    .min(1),
  modalities: z.array(z.string()).optional(),
  image_config: z
    .looseObject({ aspect_ratio: z.unknown().optional(), image_size: z.unknown().optional() })
    .optional(),
  stream: z.boolean().optional(),
  seed: z.number().int().optional(),
  provider: providerPreferencesSchema.nullish(),
});

type ChatRequest = z.infer<typeof chatRequestSchema>;

/** A chat completion request that OpenRouter would accept, reduced to what the fake needs. */
export interface GenerationRequest {
  model: FakeModel;
  /** The upstream provider that answers, from the model's and the request's `provider` preferences. */
  provider: string;
  /** The text of the last user message. */
  prompt: string;
  seed: number | undefined;
  stream: boolean;
  /** `modalities` includes "image"; without it OpenRouter answers in text. */
  wantsImage: boolean;
  width: number;
  height: number;
  promptTokens: number;
  inputImages: number;
}

export type ParsedGeneration =
  | { ok: true; request: GenerationRequest }
  | { ok: false; reply: Reply };

/** Validates a chat completion body the way OpenRouter does, in OpenRouter's order. */
export function parseGenerationRequest(
  body: unknown,
  models: readonly FakeModel[],
): ParsedGeneration {
  if (body === undefined) return fail(errorReply(400, 'Invalid JSON in request body'));
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    return fail(errorReply(400, `Invalid request body: ${z.prettifyError(parsed.error)}`));
  }
  const chat = parsed.data;
  const model = chatModels(models).find((candidate) => candidate.id === chat.model);
  if (model === undefined) return fail(errorReply(404, `No endpoints found for ${chat.model}.`));

  const modalities = chat.modalities ?? [];
  const wantsImage = modalities.includes('image');
  const outputs = model.architecture.output_modalities;
  if (wantsImage && !modalities.every((modality) => outputs.includes(modality))) {
    return fail(
      errorReply(
        404,
        `No endpoints found that support the requested output modalities: ${modalities.join(', ')}`,
      ),
    );
  }

  const config = chat.image_config;
  const aspectRatio = checkOption(
    'image_config.aspect_ratio',
    config?.aspect_ratio ?? defaultAspectRatio,
    model.aspectRatios ?? standardAspectRatios,
  );
  if (typeof aspectRatio !== 'string') return fail(aspectRatio);
  const imageSize = checkOption(
    'image_config.image_size',
    config?.image_size ?? defaultImageSize,
    model.imageSizes ?? standardImageSizes,
  );
  if (typeof imageSize !== 'string') return fail(imageSize);

  const provider = routeProvider(model, chat.provider);
  if (typeof provider !== 'string') return fail(provider);

  const { width, height } = imageDimensions(aspectRatio, imageSize);
  return {
    ok: true,
    request: {
      model,
      provider,
      prompt: lastUserText(chat),
      seed: chat.seed,
      stream: chat.stream ?? false,
      wantsImage,
      width,
      height,
      promptTokens: countTokens(chat.messages.map(textOf).join('\n')),
      inputImages: chat.messages
        .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
        .filter((part) => part.type === 'image_url').length,
    },
  };
}

function lastUserText(chat: ChatRequest): string {
  const lastUser = chat.messages.findLast((message) => message.role === 'user');
  return lastUser === undefined ? '' : textOf(lastUser);
}

function textOf(message: ChatRequest['messages'][number]): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  return (content ?? [])
    .map((part) => part.text ?? '')
    .filter((text) => text !== '')
    .join('\n');
}

function fail(reply: Reply): ParsedGeneration {
  return { ok: false, reply };
}
