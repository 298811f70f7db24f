/**
 * The prefixes of the environment variables headerforge reads, for hosts that load `.env`
 * files by prefix (Vite's `loadEnv`). AWS_ and REDIS_: the remote cache's credentials, under
 * the names their own tools use.
 */
export const ENV_PREFIXES = ['OPENROUTER_', 'HEADERFORGE_', 'AWS_', 'REDIS_'] as const;
