/**
 * The machinery that makes headers (the pipeline, derivation, the OpenRouter client, the
 * remote stores), loaded when there is something to make: a dev server listens without
 * loading it, and loads it for its background work.
 */
export async function loadPipeline() {
  const [{ runPipeline }, { providerFor }, { withRemote }] = await Promise.all([
    import('../pipeline/run-pipeline.js'),
    import('./site-provider.js'),
    import('./with-remote.js'),
  ]);
  return { runPipeline, providerFor, withRemote };
}
