// `@headerforge/core/internal`: the parts of core that this repository's own tests and
// benchmarks reach into. Not in package.json's `exports`, so never a published API: the
// tests resolve it through an alias (vitest.config.ts, tsconfig.check.json), scripts that
// run outside vitest import the built file by its path.

export { compactEntry } from '../cache/compact-entry.js';
export { type GenerationKeyInput, generationKey, sha256Hex } from '../cache/keys.js';
export { remoteNames } from '../cache/layout.js';
export { createRemoteCache, openRemote, type RemoteCache } from '../cache/remote-cache.js';
export type { Sidecar } from '../cache/sidecar.js';
export { openImageStore } from '../cache/store.js';
export { openWarmIndex } from '../cache/warm-index.js';
export { cardKey } from '../derive/card-key.js';
export { cardFile } from '../derive/card-store.js';
export { dominantOf } from '../derive/colour.js';
export { deriveFiles } from '../derive/derive-files.js';
export { encode, encodeCard } from '../derive/encoders.js';
export { fileStem } from '../derive/file-names.js';
export { getTitleCards } from '../derive/get-title-cards.js';
export { derivativeKey } from '../derive/key.js';
export { decodeOriginal } from '../derive/sharp-input.js';
export { COMPACT_ENCODING, compactImage } from '../image/compact.js';
export { openRouterClientOptionsSchema } from '../openrouter/client-options.js';
export { jobKeyInput } from '../pipeline/header-job.js';
export { createRedisBackend } from '../remote/redis.js';
export { createS3Backend } from '../remote/s3.js';
export { resolveRemote } from '../remote/settings.js';
export { scanFile } from '../site/scan.js';
