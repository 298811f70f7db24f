import type { PreviewServer } from 'astro';

/** Astro's own preview server for the site built in `dir`, on a free port of 127.0.0.1. */
export async function previewAstro(
  dir: string,
): Promise<{ server: PreviewServer; origin: string }> {
  const { preview } = await import('astro');
  const server = await preview({
    root: dir,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0 },
  });
  return { server, origin: `http://127.0.0.1:${server.port}` };
}
