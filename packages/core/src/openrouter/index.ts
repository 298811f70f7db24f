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
export { type ImageCapabilities, imageCapabilities } from './model-capabilities.js';
