import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { OpenRouterClientOptions } from '../openrouter/client.js';
import { DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES } from '../openrouter/client-options.js';
import { parseTransportChoice } from '../openrouter/transport.js';
import type { Provider } from '../providers/provider.js';
import type { HeadersEvent } from './build-headers.js';
import type { ResolvedHeaderforgeOptions } from './options.js';

/**
 * The OpenRouter provider a site's options and environment call for. The client, its
 * schemas and its catalogue load with the first image that has to be paid for: a warm
 * build, which pays for none, never loads them. What would stop the client from being made
 * is still checked now, so a bad setting fails a build whose images are all cached too.
 */
export function providerFor(
  options: ResolvedHeaderforgeOptions,
  env: NodeJS.ProcessEnv,
  overrides: Partial<OpenRouterClientOptions> | undefined,
  emit: (event: HeadersEvent) => void,
): Provider {
  const transport = env.HEADERFORGE_TRANSPORT?.trim();
  if (transport) parseTransportChoice(transport, 'HEADERFORGE_TRANSPORT');
  checkBaseURL(env.OPENROUTER_BASE_URL?.trim() || options.baseURL);

  let loaded: Promise<Required<Provider>> | undefined;
  const provider = () => {
    loaded ??= Promise.all([import('./site-client.js'), import('../providers/openrouter.js')]).then(
      ([{ siteClient }, { createOpenRouterProvider }]) =>
        createOpenRouterProvider(
          siteClient(env, options, {
            ...overrides,
            onRetry: (event) => emit({ type: 'retry', ...event }),
          }),
        ),
    );
    return loaded;
  };
  return {
    id: 'openrouter',
    maxAnswerBytes: overrides?.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    estimate: async (job, n) => (await provider()).estimate(job, n),
    batchSize: async (job) => (await provider()).batchSize(job),
    generateMany: async (job, n, signal) => (await provider()).generateMany(job, n, signal),
    generate: async (job, signal) => (await provider()).generate(job, signal),
  };
}

/** The client's own check of its base URL, made before the client is. */
function checkBaseURL(value: string | undefined): void {
  const raw = value ?? DEFAULT_BASE_URL;
  if (URL.canParse(raw)) return;
  throw new HeaderforgeError('invalid_request', `baseURL "${raw}" is not a URL`, {
    hint: `Set baseURL / OPENROUTER_BASE_URL to the API root, e.g. ${DEFAULT_BASE_URL}.`,
  });
}
