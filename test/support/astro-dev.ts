/** An Astro dev server run in the test's process, as `startAstroDev` returns it. */
export interface AstroDev {
  address: { port: number };
  /** Stops the server, then puts VITEST and NODE_ENV back as they were. */
  stop(): Promise<void>;
}

/**
 * Astro's dev server for the site in `root`, on 127.0.0.1 and a free port. Under vitest it
 * needs VITEST and NODE_ENV out of the environment (it would otherwise run as a test
 * renderer, or as production): they stay out until `stop`.
 */
export async function startAstroDev(root: string): Promise<AstroDev> {
  const saved = { VITEST: process.env.VITEST, NODE_ENV: process.env.NODE_ENV };
  delete process.env.VITEST;
  delete process.env.NODE_ENV;
  const { dev } = await import('astro');
  const server = (await dev({
    root,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0 },
  })) as AstroDev;
  return {
    address: server.address,
    async stop() {
      await server.stop();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
