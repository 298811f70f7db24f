export {
  ASPECT_RATIOS,
  type AspectRatio,
  EXTENDED_ASPECT_RATIOS,
  EXTENDED_IMAGE_SIZES,
  IMAGE_SIZES,
  type ImageCapabilities,
  type ImageSize,
  imageCapabilities,
  nominalPixelSize,
  ratioValue,
} from './capabilities.js';
export type { ImageModel } from './catalogue.js';
export {
  createOpenRouterClient,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  type GeneratedImage,
  type GenerateImageRequest,
  type OpenRouterClient,
  type OpenRouterClientOptions,
  type RetryEvent,
} from './client.js';
export type { ImageMediaType } from './image-data.js';
