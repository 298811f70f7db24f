export { autoAlt, defaultAlt } from './alt-text.js';
export { type Budget, type BudgetLimits, createBudget } from './budget.js';
export {
  type BuildHeadersInput,
  type BuildHeadersResult,
  buildHeaders,
  type HeadersEvent,
  providerFor,
  withRemote,
} from './build-headers.js';
export * from './cache/index.js';
export * from './derive/index.js';
export {
  HeaderforgeError,
  type HeaderforgeErrorCode,
  type HeaderforgeErrorOptions,
  isHeaderforgeError,
} from './errors.js';
export {
  type HeaderField,
  headerFieldSchema,
  type ParsedFrontmatter,
  type ParseFrontmatterOptions,
  parseFrontmatter,
} from './frontmatter.js';
export {
  FOCUS_VALUES,
  type Focus,
  type HeaderJob,
  OUTPUT_FORMATS,
  type OutputFormat,
} from './header-job.js';
export {
  createHeaderService,
  type HeaderService,
  type HeaderServiceInput,
  lookupHeaderService,
  registerHeaderService,
  type ServiceUpdate,
} from './header-service.js';
export {
  canonicalJson,
  type GenerationKeyInput,
  generationKey,
  isGenerationKey,
  jobKeyInput,
  KEY_SCHEMA_VERSION,
  sha256Hex,
} from './keys.js';
export { MODES, type Mode, type ModeDecision, type ModeInput, resolveMode } from './mode.js';
export * from './openrouter/index.js';
export {
  HEADERFORGE_OPTIONS,
  type HeaderforgeOptions,
  headerforgeOptionsSchema,
  type ResolvedHeaderforgeOptions,
  resolveOptions,
} from './options.js';
export {
  type HeaderResult,
  type PipelineEvent,
  type PipelineResult,
  type PipelineSettings,
  type PipelineSummary,
  type PostFailure,
  type RunPipelineOptions,
  runPipeline,
} from './pipeline.js';
export { costOf, estimateCost, type UsageLike } from './pricing.js';
export { applyStyle, autoPrompt, DEFAULT_AUTO_TEMPLATE } from './prompt.js';
export * from './providers/index.js';
export * from './remote/index.js';
export {
  failuresError,
  formatProgress,
  formatSummary,
  type LogLine,
  logLineFor,
} from './report.js';
export { type ScanResult, scanContent, scanFile } from './scan.js';
export { siteClient } from './site-client.js';
