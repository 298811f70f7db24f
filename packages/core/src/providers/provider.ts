import type { ImageMediaType } from '../image/media-types.js';
import type { Transport } from '../openrouter/transport.js';
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
  usage?: { promptTokens?: number; completionTokens?: number; cost?: number } | undefined;
  /** The endpoint that made it (not offline art). */
  transport?: Transport | undefined;
  /** The upstream provider that served it, when the answer said. */
  servedBy?: string | undefined;
  /** Images the answer held beyond the ones asked for, not kept (worth a warning). */
  unasked?: number | undefined;
}

export interface Provider {
  readonly id: 'openrouter' | 'placeholder';
  /**
   * The largest answer one request may bring (its body limit, in bytes): the room a paid
   * image may need on disk. Absent for offline art, which is paid for by nobody.
   */
  readonly maxAnswerBytes?: number;
  generate(job: HeaderJob, signal?: AbortSignal): Promise<ProvidedImage>;
  /**
   * The most the job can cost, in USD, before it runs: what the budget reserves (0 for
   * offline providers). Throws when the job cannot be sent (a model its endpoint does not serve).
   */
  estimate(job: HeaderJob, n?: number): Promise<number>;
  /** How many images of one prompt the job's model makes in one request (1: one at a time). */
  batchSize?(job: HeaderJob): Promise<number>;
  /**
   * `n` images of the job's prompt in one request; fewer when the provider made fewer.
   * Images of the answer that failed their check are in `refused`: paid for, to be kept.
   */
  generateMany?(
    job: HeaderJob,
    n: number,
    signal?: AbortSignal,
  ): Promise<{ images: ProvidedImage[]; refused: Array<{ bytes: Uint8Array; problem: string }> }>;
}
