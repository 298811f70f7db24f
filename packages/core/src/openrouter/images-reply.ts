import type { Answer } from './answer.js';
import { parseBody } from './reply.js';
import { ImagesResponseSchema } from './schemas.js';

/** Reads an Image API answer: `{ data: [{ b64_json | url, media_type? }], usage }`. */
export function parseImagesResponse(text: string, secret: string | undefined): Answer {
  const response = parseBody(ImagesResponseSchema, text, secret);
  const answer: Answer = { text: '', images: [] };
  for (const entry of response.data ?? []) {
    if (entry.b64_json !== undefined) {
      answer.images.push({
        base64: entry.b64_json,
        ...(entry.media_type ? { mediaType: entry.media_type } : {}),
      });
    } else if (entry.url !== undefined) {
      answer.images.push({ url: entry.url });
    }
  }
  if (response.id) answer.id = response.id;
  if (response.model) answer.model = response.model;
  if (response.provider) answer.provider = response.provider;
  if (response.usage) answer.usage = response.usage;
  if (response.error) answer.error = { body: response.error, where: 'body' };
  return answer;
}
