// The documented API of @headerforge/core (README, "From code"). Host adapters use
// `@headerforge/core/adapter`; tests use `@headerforge/core/testing`.

export type { DerivedFile, DerivedSet } from './derive/derived-set.js';
export {
  HeaderforgeError,
  type HeaderforgeErrorCode,
  type HeaderforgeErrorOptions,
  isHeaderforgeError,
} from './errors/headerforge-error.js';
export type { Focus } from './image/focus.js';
export { FOCUS_VALUES } from './image/focus.js';
export type { ImageMediaType } from './image/media-types.js';
export { OUTPUT_FORMATS, type OutputFormat } from './image/output-formats.js';
export { ASPECT_RATIOS, type AspectRatio, IMAGE_SIZES, type ImageSize } from './image/ratios.js';
export type { ImageApiSupport, ImageModel, ModelCatalogue } from './openrouter/catalogue.js';
export {
  type AnswerImageFile,
  createOpenRouterClient,
  DEFAULT_BASE_URL,
  type GeneratedImage,
  type GenerateImageRequest,
  type OpenRouterClient,
  type OpenRouterClientOptions,
  type RetryEvent,
  type Route,
} from './openrouter/client.js';
export type { InputReference, ProviderPreferences } from './openrouter/request-body.js';
export type { Transport, TransportChoice } from './openrouter/transport.js';
export type { PipelineEvent } from './pipeline/events.js';
export type { HeaderJob } from './pipeline/header-job.js';
export { runPipeline } from './pipeline/run-pipeline.js';
export type { PipelineMode, PipelineSettings, RunPipelineOptions } from './pipeline/settings.js';
export type {
  HeaderResult,
  PipelineResult,
  PipelineSummary,
  PostFailure,
} from './pipeline/summary.js';
export { createOpenRouterProvider } from './providers/openrouter.js';
export { createPlaceholderProvider } from './providers/placeholder.js';
export type { ProvidedImage, Provider } from './providers/provider.js';
export { defaultAlt } from './site/alt-text.js';
export {
  type BuildHeadersInput,
  type BuildHeadersResult,
  buildHeaders,
  type HeadersEvent,
} from './site/build-headers.js';
export { type HeaderField, type ParsedFrontmatter, parseFrontmatter } from './site/frontmatter.js';
export { MODES, type Mode, type ModeDecision, resolveMode } from './site/mode.js';
export {
  type HeaderforgeOptions,
  headerforgeOptionsSchema,
  type ResolvedHeaderforgeOptions,
  resolveOptions,
} from './site/options.js';
export {
  failuresError,
  formatProgress,
  formatSummary,
  type LogLine,
  logLineFor,
} from './site/report.js';
