import type { ImageMediaType } from '../image/media-types.js';
import type { HeaderJob } from '../pipeline/header-job.js';

/** An image for a job, as a provider made it. */
export interface ProvidedImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
  /** Offline art standing in for the real image. */
  placeholder: boolean;
  costUsd?: number | undefined;
  generationId?: string | undefined;
  usage?: { promptTokens?: number; completionTokens?: number } | undefined;
}

export interface Provider {
  readonly id: 'openrouter' | 'placeholder';
  generate(job: HeaderJob, signal?: AbortSignal): Promise<ProvidedImage>;
  /** Estimated USD for the job, before it runs (0 for offline providers). */
  estimate(job: HeaderJob): Promise<number>;
}
