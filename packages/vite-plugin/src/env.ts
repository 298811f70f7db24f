import { loadEnv } from 'vite';

/**
 * The variables headerforge reads, from the process and from Vite's `.env` files (the
 * process wins, as in Vite). Read on the server only: nothing here is `define`d or
 * exposed to client code, which only ever sees `VITE_`-prefixed variables.
 */
export function headerforgeEnv(mode: string, envDir: string): NodeJS.ProcessEnv {
  // AWS_ and REDIS_: the remote cache's credentials, under the names their own tools use.
  const fromFiles = loadEnv(mode, envDir, ['OPENROUTER_', 'HEADERFORGE_', 'AWS_', 'REDIS_']);
  return { ...fromFiles, ...process.env };
}
