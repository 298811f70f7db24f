import type { BackendOptions, RemoteBackend } from './backend.js';
import { createRedisBackend } from './redis.js';
import { createS3Backend } from './s3.js';
import type { RemoteLocation } from './url.js';

/** The backend for a store's location (each connects on first use, not here). */
export function openBackend(location: RemoteLocation, options: BackendOptions): RemoteBackend {
  return location.kind === 's3'
    ? createS3Backend(location, options)
    : createRedisBackend(location, options);
}
