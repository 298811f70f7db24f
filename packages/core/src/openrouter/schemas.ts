import { z } from 'zod';

/**
 * Everything OpenRouter sends back is parsed here. Objects are loose (unknown fields are
 * kept, never rejected) because providers add fields; what we *need* is checked strictly.
 */

export const ErrorBodySchema = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  metadata: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// Raw HTTP uses `image_url`; the official SDK re-maps it to `imageUrl`. Accept both.
const ImagePartSchema = z
  .looseObject({
    type: z.string().optional(),
    image_url: z.looseObject({ url: z.string() }).optional(),
    imageUrl: z.looseObject({ url: z.string() }).optional(),
  })
  .transform((part) => part.image_url?.url ?? part.imageUrl?.url);

const ContentSchema = z.union([z.string(), z.null(), z.array(z.unknown())]).optional();

const UsageSchema = z.looseObject({
  prompt_tokens: z.number().optional(),
  completion_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
  cost: z.number().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

const MessageSchema = z.looseObject({
  role: z.string().optional(),
  content: ContentSchema,
  images: z.array(ImagePartSchema).nullish(),
});

export const CompletionSchema = z.looseObject({
  id: z.string().optional(),
  model: z.string().optional(),
  /** The upstream provider that answered, when OpenRouter says. */
  provider: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        message: MessageSchema.optional(),
        finish_reason: z.string().nullish(),
        error: ErrorBodySchema.optional(),
      }),
    )
    .optional(),
  usage: UsageSchema.nullish(),
  error: ErrorBodySchema.optional(),
});
export type Completion = z.infer<typeof CompletionSchema>;

export const ChunkSchema = z.looseObject({
  id: z.string().optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        delta: MessageSchema.optional(),
        finish_reason: z.string().nullish(),
        error: ErrorBodySchema.optional(),
      }),
    )
    .optional(),
  usage: UsageSchema.nullish(),
  error: ErrorBodySchema.optional(),
});
export type Chunk = z.infer<typeof ChunkSchema>;

/** What both model lists say of a model. */
const ModelEntrySchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  architecture: z
    .looseObject({
      input_modalities: z.array(z.string()).optional(),
      output_modalities: z.array(z.string()).optional(),
    })
    .optional(),
  pricing: z.record(z.string(), z.union([z.string(), z.number()]).nullable()).nullish(),
});

export const ModelsResponseSchema = z.looseObject({ data: z.array(ModelEntrySchema) });

const EnumParameterSchema = z.looseObject({
  type: z.literal('enum'),
  values: z.array(z.union([z.string(), z.number()]).transform(String)),
});
const RangeParameterSchema = z.looseObject({
  type: z.literal('range'),
  min: z.number().optional(),
  max: z.number().optional(),
});
/** One entry of `supported_parameters`; a kind we do not know is kept as "supported". */
const ParameterSchema = z.union([EnumParameterSchema, RangeParameterSchema, z.unknown()]);
export type ImageApiParameter = z.infer<typeof ParameterSchema>;

/** `GET /images/models`: the models of the Image API and the values each parameter takes. */
export const ImageApiModelsResponseSchema = z.looseObject({
  data: z.array(
    ModelEntrySchema.extend({
      supported_parameters: z.record(z.string(), ParameterSchema).nullish(),
    }),
  ),
});

/** `POST /images`: one entry per image, bare base64 (or, from some providers, a URL). */
export const ImagesResponseSchema = z.looseObject({
  id: z.string().optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  created: z.number().nullish(),
  data: z
    .array(
      z.looseObject({
        b64_json: z.string().optional(),
        url: z.string().optional(),
        media_type: z.string().optional(),
      }),
    )
    .nullish(),
  usage: UsageSchema.nullish(),
  error: ErrorBodySchema.optional(),
});
export type ImagesResponse = z.infer<typeof ImagesResponseSchema>;

/** `GET /generation?id=`: the stats OpenRouter keeps of a generation, a few seconds after it. */
export const GenerationStatsSchema = z.looseObject({
  data: z.looseObject({ id: z.string().optional(), total_cost: z.number().nullish() }),
});

/** Text and image URLs from a message's `content`, which may be a string or a list of parts. */
export function contentParts(content: z.infer<typeof ContentSchema>): {
  text: string;
  imageUrls: string[];
} {
  if (typeof content === 'string') return { text: content, imageUrls: [] };
  if (!Array.isArray(content)) return { text: '', imageUrls: [] };
  let text = '';
  const imageUrls: string[] = [];
  for (const part of content) {
    const image = ImagePartSchema.safeParse(part);
    if (image.success && image.data) imageUrls.push(image.data);
    else if (
      part &&
      typeof part === 'object' &&
      typeof (part as { text?: unknown }).text === 'string'
    )
      text += (part as { text: string }).text;
  }
  return { text, imageUrls };
}
