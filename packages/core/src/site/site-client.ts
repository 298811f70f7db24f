import {
  createOpenRouterClient,
  DEFAULT_BASE_URL,
  type OpenRouterClient,
  type OpenRouterClientOptions,
} from '../openrouter/client.js';
import { parseTransportChoice } from '../openrouter/transport.js';
import type { HeaderforgeOptions } from './options.js';

/**
 * The OpenRouter client for a site, from an explicit environment (a build's, or the site's
 * .env merged in by the command). Both values are always passed, so the client never falls
 * back to this process's own environment behind the caller's back.
 */
export function siteClient(
  env: NodeJS.ProcessEnv,
  options: Pick<
    HeaderforgeOptions,
    'baseURL' | 'timeoutMs' | 'maxRetries' | 'transport' | 'provider' | 'lookupCost'
  > = {},
  overrides: Partial<OpenRouterClientOptions> = {},
): OpenRouterClient {
  const fromEnv = env.HEADERFORGE_TRANSPORT?.trim();
  return createOpenRouterClient({
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    ...(options.lookupCost === undefined ? {} : { lookupCost: options.lookupCost }),
    // Like HEADERFORGE_MODE, the environment beats the config, so CI can switch endpoints.
    transport: fromEnv
      ? parseTransportChoice(fromEnv, 'HEADERFORGE_TRANSPORT')
      : (options.transport ?? 'auto'),
    ...overrides,
    // An empty key means "none": generation fails with a clear auth error, listing still works.
    apiKey: overrides.apiKey ?? env.OPENROUTER_API_KEY?.trim() ?? '',
    // The environment beats the site's config, so CI or a test can point every entry point elsewhere.
    baseURL: env.OPENROUTER_BASE_URL?.trim() || options.baseURL || DEFAULT_BASE_URL,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
}
