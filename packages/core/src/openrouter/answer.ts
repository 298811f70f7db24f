import type { ErrorBody, Usage } from './schemas.js';

/** An image as an answer carries it: a URL (`data:` or https), or bare base64. */
export type AnswerImage = { url: string } | { base64: string; mediaType?: string };

/** What one generation answered, from either endpoint, before its images are decoded. */
export interface Answer {
  id?: string;
  model?: string;
  /** The upstream provider that served it, when the answer says. */
  provider?: string;
  text: string;
  images: AnswerImage[];
  usage?: Usage;
  finishReason?: string;
  error?: { body: ErrorBody; where: 'body' | 'stream' };
  /** A stream: whether it reached `[DONE]`. */
  done?: boolean;
}
