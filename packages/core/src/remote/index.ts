export type { BackendOptions, RemoteBackend, RemoteLeaseHandle } from './backend.js';
export { createRedisBackend } from './redis-backend.js';
export {
  createRemoteCache,
  type RemoteCache,
  type RemoteCacheOptions,
  type RemoteFetch,
  type RemoteLease,
  type RemotePublish,
  remoteNames,
} from './remote-cache.js';
export { type RemoteLocation, redactRemoteUrl, remoteUrlSchema } from './remote-url.js';
export { openRemote, type RemoteSettings, resolveRemote } from './resolve-remote.js';
export { createS3Backend } from './s3-backend.js';
