export { isTempFile, removeOrphanTempFiles, writeFileAtomic } from './atomic-write.js';
export { acquireKeyLock, type KeyLock, type LockHolder, type LockOptions } from './lock.js';
export { IMAGE_EXTENSIONS, type Sidecar, sidecarSchema } from './sidecar.js';
export {
  type CachedImage,
  type ImageStore,
  type ImageStoreOptions,
  type ImageToStore,
  type LookupResult,
  openImageStore,
  type StoreMetadata,
  sidecarInput,
} from './store.js';
