import type { GenerationKeyInput } from '@headerforge/core';

/** The key input of a default 1K 16:9 header for `prompt`. */
export const inputOf = (prompt: string): GenerationKeyInput => ({
  provider: 'openrouter',
  prompt,
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
});
