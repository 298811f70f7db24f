/**
 * The machinery that makes headers (the pipeline, derivation, the remote stores), loaded
 * when there is something to make: a dev server listens without loading it, and loads it
 * for its background work; a warm build that knows every header whole never loads it.
 */
export async function loadPipeline() {
  const [{ runPipeline }, { withRemote }] = await Promise.all([
    import('../pipeline/run-pipeline.js'),
    import('./with-remote.js'),
  ]);
  return { runPipeline, withRemote };
}
