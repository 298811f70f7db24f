import type { GenerationMeta } from './reply-context.js';
import type { Usage } from './usage.js';

/** One image of an Image API answer: bare base64 (not a data URL), or a URL to fetch. */
export type ImageEntry =
  | { b64_json: string; media_type: string }
  | { url: string; media_type: string };

/** The `POST /images` success document: one `data` entry per image returned. */
export function imagesDocument(
  meta: GenerationMeta,
  data: ImageEntry[],
  usage: Usage,
): Record<string, unknown> {
  return {
    id: meta.id,
    created: meta.created,
    model: meta.model,
    provider: meta.provider,
    data,
    usage,
  };
}
