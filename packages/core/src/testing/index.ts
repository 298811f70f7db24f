export {
  builtInFakeModels,
  defaultFakeModels,
  type FakeImageApi,
  type FakeModel,
  imageOnlyFakeModels,
} from './fake-models.js';
export {
  type FakeOpenRouter,
  type FakeOpenRouterOptions,
  startFakeOpenRouter,
} from './fake-openrouter.js';
export { holdBackgroundWork } from './hold-background.js';
export type { RecordedAnswer, RecordedRequest } from './recorded-request.js';
export type { FakeScenario, FakeWhen, GenerationEndpoint } from './scenarios.js';
