/** What stays the same across every chunk of one generation, on either endpoint. */
export interface GenerationMeta {
  /** `gen-…` on chat completions, `gen-img-…` on the Image API; also `x-generation-id`. */
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** The upstream provider that answered, OpenRouter's top-level `provider`. */
  provider: string;
}

/** What a reply may need beyond the request itself. */
export interface ReplyContext {
  meta: GenerationMeta;
  includeCost: boolean;
  /** Serves a PNG at a URL of the fake and returns that URL. */
  publishFile(png: Buffer): string;
}
